using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Ops.Browser.Tests;

/// <summary>The wall page in a real browser against the real server: live numbers, language, layout.</summary>
[Collection(WallCollection.Name)]
public sealed class WallPageTests(WallBrowser wall)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Within10s = new() { Timeout = 10_000 };

    [Fact]
    public async Task Shows_the_requests_posted_to_the_event_feed()
    {
        await using var page = await wall.OpenAsync();
        await Expect(page.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        await Expect(page.TestId("connection-state")).ToContainTextAsync("已连接");
        // The snapshot sent on Subscribe fills the tiles; read today's counts before posting.
        await Expect(page.TestId("kpi-received-today").Locator("[data-field=value]")).ToHaveAttributeAsync("data-value", new System.Text.RegularExpressions.Regex(@"^\d+$"), Within10s);
        var received = (await page.KpiAsync("kpi-received-today"))!.Value;
        var dispatched = (await page.KpiAsync("kpi-dispatched-today"))!.Value;
        var open = (await page.KpiAsync("kpi-open"))!.Value;

        // Three requests; two of them become work orders for the bus company.
        var run = Guid.NewGuid().ToString("N")[..8];
        var t = CityClock.Ago(TimeSpan.FromMinutes(5));
        var events = new List<object>();
        for (var i = 1; i <= 3; i++)
            events.Add(new { id = $"w-{run}-{i}-r", type = "received", ticketId = $"W-{run}-{i}", at = CityClock.Iso(t), channel = "hotline", category = "transport", text = "公交停运" });
        for (var i = 1; i <= 2; i++)
            events.Add(new { id = $"w-{run}-{i}-d", type = "dispatched", ticketId = $"W-{run}-{i}", at = CityClock.Iso(t.AddMinutes(1)), unitId = "bus-group" });
        await wall.Server.PostEventsAsync(events);

        var value = page.TestId("kpi-received-today").Locator("[data-field=value]");
        await Expect(value).ToHaveAttributeAsync("data-value", Num(received + 3), Within10s);
        await Expect(page.TestId("kpi-dispatched-today").Locator("[data-field=value]")).ToHaveAttributeAsync("data-value", Num(dispatched + 2), Within10s);
        await Expect(page.TestId("kpi-open").Locator("[data-field=value]")).ToHaveAttributeAsync("data-value", Num(open + 2), Within10s);
        // Exactly three more, not "at least": a coalesced update that arrives late must not add to it.
        await Task.Delay(1500);
        Assert.Equal(received + 3, await page.KpiAsync("kpi-received-today"));
        // What a person reads: the number as text, with thousands separators.
        await Expect(value).ToHaveTextAsync((received + 3).ToString("#,0", System.Globalization.CultureInfo.InvariantCulture));
        await page.ScreenshotAsync("numbers");
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Shows_the_emergency_banner_with_its_live_count()
    {
        await using var page = await wall.OpenAsync();
        await Expect(page.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        var run = Guid.NewGuid().ToString("N")[..8];
        var name = $"冰冻雨雪-{run}";
        var declared = await wall.Server.Http.PostAsJsonAsync("/api/ops/emergencies", new
        {
            name,
            rule = new { categories = Array.Empty<string>(), districts = Array.Empty<string>(), keywords = new[] { $"覆冰{run}" } },
            start = CityClock.Iso(CityClock.Now.AddMinutes(-10)),
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, declared.StatusCode);
        var banner = page.Page.Locator("[data-testid=banner-emergency]", new() { HasText = name });
        await Expect(banner).ToBeVisibleAsync(new() { Timeout = 10_000 });

        // Two matching requests and one that does not match: the banner counts two.
        var t = CityClock.Ago(TimeSpan.FromMinutes(2));
        await wall.Server.PostEventsAsync(new object[]
        {
            new { id = $"em-{run}-1", type = "received", ticketId = $"EM-{run}-1", at = CityClock.Iso(t), channel = "hotline", category = "public-services", text = $"线路覆冰{run}停电" },
            new { id = $"em-{run}-2", type = "received", ticketId = $"EM-{run}-2", at = CityClock.Iso(t), channel = "hotline", category = "transport", text = $"道路覆冰{run}" },
            new { id = $"em-{run}-3", type = "received", ticketId = $"EM-{run}-3", at = CityClock.Iso(t), channel = "hotline", category = "transport", text = "公交晚点" },
        });
        await Expect(banner).ToContainTextAsync("2 件", new() { Timeout = 10_000 });
        await page.ScreenshotAsync("emergency");

        // A wall opened now gets the emergency in its snapshot.
        await using var late = await wall.OpenAsync();
        await Expect(late.Page.Locator("[data-testid=banner-emergency]", new() { HasText = name })).ToBeVisibleAsync(new() { Timeout = 10_000 });
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Ticker_shows_the_deadline_warnings_newest_first()
    {
        await using var page = await wall.OpenAsync();
        await Expect(page.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        var ticket = $"T-{Guid.NewGuid().ToString("N")[..8]}";
        var now = CityClock.Now;
        // An urgent order three seconds from its deadline: due soon and due today at once, overdue three seconds later.
        await wall.Server.PostEventsAsync(
        [
            new { id = ticket + "-r", type = "received", ticketId = ticket, at = CityClock.Iso(CityClock.Ago(TimeSpan.FromMinutes(2))), channel = "hotline", category = "public-services", text = "停水" },
            new { id = ticket + "-d", type = "dispatched", ticketId = ticket, at = CityClock.Iso(CityClock.Ago(TimeSpan.FromMinutes(1))), unitId = "water-group", urgency = "urgent", deadline = CityClock.Iso(now.AddSeconds(3)) },
        ]);
        var ticker = page.TestId("ticker");
        var newest = ticker.Locator("li").First;
        await Expect(newest).ToHaveAttributeAsync("data-ticket-id", ticket, Within10s);
        await Expect(newest).ToHaveAttributeAsync("data-kind", "overdue", Within10s);
        await Expect(newest).ToContainTextAsync("已超期");
        await Expect(newest).ToContainTextAsync("市水务集团公司");
        // The earlier warnings of the same order stay below it, newest first.
        var kinds = await ticker.Locator($"li[data-ticket-id='{ticket}']").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.kind)");
        Assert.Equal(["overdue", "dueToday", "dueSoon"], kinds);
        await page.ScreenshotAsync("ticker");
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Switches_language_and_remembers_it()
    {
        await using var page = await wall.OpenAsync();
        await Expect(page.TestId("title")).ToHaveTextAsync("岳阳市12345热线运行监控");
        await page.TestId("lang-switch").ClickAsync();
        await Expect(page.TestId("title")).ToHaveTextAsync("Yueyang 12345 Hotline Operations");
        await Expect(page.TestId("kpi-overdue")).ToContainTextAsync("Overdue");
        await page.Page.ReloadAsync();
        await Expect(page.TestId("title")).ToHaveTextAsync("Yueyang 12345 Hotline Operations");
        await Expect(page.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        await Expect(page.TestId("connection-state")).ToContainTextAsync("Connected");
        await page.ScreenshotAsync("english");
        Assert.Empty(page.Errors);

        await using var fresh = await wall.OpenAsync("?lang=en");
        await Expect(fresh.TestId("title")).ToHaveTextAsync("Yueyang 12345 Hotline Operations");
    }

    [Fact]
    public async Task Fits_a_1920_by_1080_screen_and_shows_dashes_before_queue_data()
    {
        await using var page = await wall.OpenAsync();
        await Expect(page.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        // No scrolling on a wall: the document is exactly the viewport.
        var size = await page.Page.EvaluateAsync<int[]>("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]");
        Assert.Equal([1920, 1080], size);
        foreach (var id in new[] { "kpis", "category-chart", "league-table", "ticker", "queue-panel" })
        {
            var box = await page.TestId(id).BoundingBoxAsync();
            Assert.True(box is { Width: > 0, Height: > 0 }, $"{id} is not visible");
            Assert.True(box!.X >= 0 && box.Y >= 0 && box.X + box.Width <= 1920 && box.Y + box.Height <= 1080, $"{id} is off screen: {box.X},{box.Y} {box.Width}×{box.Height}");
        }
        // The banner is hidden without a surge or an emergency, and the queue panel waits for queueStatus.
        await Expect(page.TestId("surge-banner")).ToBeHiddenAsync();
        // (The server sends no queueStatus yet; once it does, the panel must show its numbers instead.)
        if (await page.TestId("queue-panel").GetAttributeAsync("data-has-data") == "true")
            await Expect(page.TestId("queue-waiting")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[\d,]+$"));
        else
            await Expect(page.TestId("queue-waiting")).ToHaveTextAsync("—");
        // The chart is drawn by ECharts from the npm package served from /lib.
        await Expect(page.TestId("category-chart").Locator("canvas")).ToHaveCountAsync(1);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Passes_the_token_from_the_page_address_to_the_hub()
    {
        // The server's real wall token: a made-up one is now refused at negotiate (401).
        var token = wall.Server.WallToken;
        await using var page = await wall.OpenAsync("?token=" + Uri.EscapeDataString(token));
        await Expect(page.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        Microsoft.Playwright.IRequest? negotiate;
        lock (page.Requests) negotiate = page.Requests.FirstOrDefault(r => r.Url.Contains("/hubs/wall/negotiate", StringComparison.Ordinal));
        Assert.NotNull(negotiate);
        Assert.Equal("Bearer " + token, (await negotiate.AllHeadersAsync()).GetValueOrDefault("authorization"));
    }

    private static string Num(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
