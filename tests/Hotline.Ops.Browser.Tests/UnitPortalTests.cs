using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Hotline.Ops.Domain;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Ops.Browser.Tests;

/// <summary>The unit portal (/unit/{id}) in a real browser against the real server: exact figures, live updates, refusal.</summary>
[Collection(WallCollection.Name)]
public sealed class UnitPortalTests(WallBrowser wall)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Within10s = new() { Timeout = 10_000 };
    // Units no other browser test posts to.
    private const string Unit = "yunxi-district", OtherUnit = "nanhu-new-district";

    private string UnitToken(string unitId, RunningServer? server = null) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine((server ?? wall.Server).DataDir, "tokens.json"))).RootElement.GetProperty("units").GetProperty(unitId).GetString()!;

    private static object[] Order(string ticket, string unitId, DateTimeOffset at, DateTimeOffset deadline, string? urgency = null) =>
    [
        new { id = ticket + "-r", type = "received", ticketId = ticket, at = CityClock.Iso(at), channel = "hotline", category = "public-services", text = "路灯不亮" },
        new { id = ticket + "-d", type = "dispatched", ticketId = ticket, at = CityClock.Iso(at.AddSeconds(30)), unitId, deadline = CityClock.Iso(deadline), urgency },
    ];

    [Fact]
    public async Task Shows_the_exact_figures_after_posted_events_and_updates_live()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var now = CityClock.Now;
        var t0 = CityClock.Ago(TimeSpan.FromMinutes(30));
        // Due this month whatever the hour the test runs at: five hours ahead, or just before the month ends.
        var monthEnd = CityTime.EndOfMonth(CityTime.MonthOf(now));
        var deadline = now.AddHours(5) < monthEnd ? now.AddHours(5) : monthEnd.AddMinutes(-1);
        string Id(int i) => $"U-{run}-{i}";
        object E(int i, string type, DateTimeOffset at, object? extra = null)
        {
            var e = new Dictionary<string, object?> { ["id"] = $"{Id(i)}-{type}-{at.ToUnixTimeSeconds()}", ["type"] = type, ["ticketId"] = Id(i), ["at"] = CityClock.Iso(at) };
            if (extra is not null) foreach (var p in extra.GetType().GetProperties()) e[p.Name] = p.GetValue(extra);
            return e;
        }
        var events = new List<object>();
        for (var i = 1; i <= 4; i++)
        {
            events.Add(E(i, "received", t0, new { channel = "hotline", category = "transport", text = "公交站牌损坏" }));
            events.Add(E(i, "dispatched", t0.AddMinutes(1), new { unitId = Unit, deadline = CityClock.Iso(deadline) }));
        }
        // 1: replied on time, satisfied. 2: replied on time, dissatisfied. 3: replied on time, sent back (返工), replied
        // again. 4: the unit asks to return it (退单) and it stays open.
        events.AddRange(
        [
            E(1, "replied", t0.AddMinutes(5)), E(1, "followedUp", t0.AddMinutes(8), new { outcome = "satisfied" }),
            E(2, "replied", t0.AddMinutes(5)), E(2, "followedUp", t0.AddMinutes(8), new { outcome = "dissatisfied" }),
            E(3, "replied", t0.AddMinutes(5)), E(3, "reworkOrdered", t0.AddMinutes(9), new { reason = "答复不完整" }), E(3, "replied", t0.AddMinutes(12)),
            E(4, "returnRequested", t0.AddMinutes(10), new { reason = "不属于本单位职责" }),
        ]);
        await wall.Server.PostEventsAsync(events);

        // Due 4, handled 3, on time 3, rework 1, follow-ups 2 (1 dissatisfied):
        // 30·3/4 + 30·3/4 + 20·(1 − 1/4) + 20·(1 − 1/2) = 22.5 + 22.5 + 15 + 10 = 70.0, grade C.
        await using var page = await wall.OpenPathAsync($"/unit/{Unit}?token={Uri.EscapeDataString(UnitToken(Unit))}");
        await Expect(page.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        await Expect(page.TestId("unit-name")).ToHaveTextAsync("云溪区");
        await Expect(page.TestId("score-hotline")).ToHaveAttributeAsync("data-value", "70", Within10s);
        await Expect(page.TestId("score-hotline")).ToHaveTextAsync("70.0");
        await Expect(page.TestId("grade-hotline")).ToHaveTextAsync("C");
        await ExpectValue(page, "rate-hotline-handled", "75");
        await ExpectValue(page, "rate-hotline-onTime", "75");
        await ExpectValue(page, "rate-hotline-rework", "25");
        await ExpectValue(page, "rate-hotline-dissatisfied", "50");
        await Expect(page.TestId("rate-hotline-rework")).ToHaveTextAsync("25.00 %");
        await ExpectValue(page, "points-hotline-handled", "22.5");
        await ExpectValue(page, "points-hotline-rework", "15");
        await ExpectValue(page, "points-hotline-dissatisfied", "10");
        await Expect(page.TestId("counts-hotline")).ToHaveTextAsync("应办 4 · 办理 3 · 按期 3 · 返工 1 · 回访 2（不满意 1）");
        await Expect(page.TestId("score-mailbox")).ToHaveTextAsync("—");

        // What-if and forecast: the page shows what the domain and the scorecard API say for these counts.
        var margins = WhatIf.For(AssessmentChannel.Hotline, new AssessmentCounts(4, 3, 3, 1, 1, 0, 1))!;
        Assert.Equal(Grade.C, margins.Grade);
        await ExpectValue(page, "whatif-hotline-dissatisfied", Num(margins.DissatisfiedAbsorbable));
        await ExpectValue(page, "whatif-hotline-late", Num(margins.LateAbsorbable));
        await ExpectValue(page, "whatif-hotline-rework", Num(margins.ReworkAbsorbable));
        await ExpectValue(page, "whatif-hotline-next", Num(margins.OnTimeRepliesToNext));
        // The forecast moves with the clock (the open order's time left), so it is checked for what it must be: grade
        // probabilities that sum to 1, the most probable of them named, the expected score inside its interval.
        var f = await page.TestId("forecast-hotline").EvaluateAsync<double[]>(
            "b => [+b.dataset.expected, +b.dataset.low, +b.dataset.high, ...[...b.querySelectorAll('.prob')].map(p => +p.dataset.value)]");
        var probabilities = f[3..];
        Assert.Equal(1.0, probabilities.Sum(), 6);
        await Expect(page.TestId("forecast-hotline")).ToHaveAttributeAsync("data-grade", ((Grade)Array.IndexOf(probabilities, probabilities.Max())).ToString());
        Assert.InRange(f[0], f[1], f[2]);
        Assert.True(f[0] > 0, "no expected score shown");

        // The open order at risk with its countdown, the returns and rework lists and their counts.
        var risk = page.TestId("at-risk").Locator("li");
        await Expect(risk).ToHaveCountAsync(1);
        await Expect(risk.First).ToHaveAttributeAsync("data-ticket-id", Id(4));
        await Expect(risk.First.Locator(".risk-left")).ToContainTextAsync("剩");
        await Expect(page.TestId("count-open")).ToHaveAttributeAsync("data-value", "1");
        await Expect(page.TestId("count-returns")).ToHaveAttributeAsync("data-value", "1");
        await Expect(page.TestId("count-rework")).ToHaveAttributeAsync("data-value", "1");
        await Expect(page.TestId("returns").Locator($"li[data-ticket-id='{Id(4)}']")).ToContainTextAsync("申请 1 次");
        await Expect(page.TestId("rework").Locator($"li[data-ticket-id='{Id(3)}']")).ToContainTextAsync("返工 1 次");
        await Expect(page.TestId("trend-chart")).ToHaveAttributeAsync("data-last", "70");
        await Expect(page.TestId("trend-chart").Locator("canvas")).ToHaveCountAsync(1);
        await page.ScreenshotAsync("figures", page: "portal", fullPage: true);

        // Live: the return is refused and the order replied on time. 30 + 30 + 15 + 10 = 85.0, grade B — pushed
        // through unit:{id}, no reload.
        var later = CityClock.Now;
        await wall.Server.PostEventsAsync([E(4, "returnRejected", later.AddSeconds(-2), new { reason = "属本单位职责" }), E(4, "replied", later.AddSeconds(-1))]);
        await Expect(page.TestId("score-hotline")).ToHaveAttributeAsync("data-value", "85", Within10s);
        await Expect(page.TestId("grade-hotline")).ToHaveTextAsync("B");
        await ExpectValue(page, "rate-hotline-onTime", "100");
        await Expect(page.TestId("count-open")).ToHaveAttributeAsync("data-value", "0");
        await Expect(risk).ToHaveCountAsync(0);
        await Expect(page.TestId("trend-chart")).ToHaveAttributeAsync("data-last", "85");
        await Expect(page.TestId("returns").Locator($"li[data-ticket-id='{Id(4)}']")).ToContainTextAsync("仍由本单位办理");
        await page.ScreenshotAsync("live", page: "portal", fullPage: true);

        // English on the switch; the figures stay.
        await page.TestId("lang-switch").ClickAsync();
        await Expect(page.TestId("table-hotline")).ToContainTextAsync("Hotline orders");
        await Expect(page.TestId("score-hotline")).ToHaveTextAsync("85.0");
        await page.ScreenshotAsync("english", page: "portal", fullPage: true);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Another_units_token_is_refused_on_the_page_and_by_the_api()
    {
        var other = UnitToken(OtherUnit);
        using (var http = new HttpClient { BaseAddress = new Uri(wall.Server.Url) })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", other);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/api/units/{Unit}/scorecard")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/api/units/{Unit}/trend")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/units/{OtherUnit}/trend")).StatusCode);
        }

        await using var page = await wall.OpenPathAsync($"/unit/{Unit}?token={Uri.EscapeDataString(other)}");
        await Expect(page.TestId("refusal")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(page.TestId("refusal")).ToHaveAttributeAsync("data-status", "403");
        await Expect(page.TestId("refusal")).ToContainTextAsync($"无权查看：此令牌只能查看本单位的工作台，不能查看“{Unit}”");
        await Expect(page.TestId("table-hotline")).ToBeHiddenAsync();
        await Expect(page.TestId("connection-state")).ToHaveAttributeAsync("data-state", "disconnected");
        await page.ScreenshotAsync("refused", page: "portal");
        // Refused, so the page never asked the hub for the unit's topic.
        lock (page.Requests) Assert.DoesNotContain(page.Requests, r => r.Url.Contains("/hubs/wall", StringComparison.Ordinal));

        // The centre's wall token opens any unit's page.
        await using var centre = await wall.OpenPathAsync($"/unit/{OtherUnit}?token={Uri.EscapeDataString(wall.Server.WallToken)}");
        await Expect(centre.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        await Expect(centre.TestId("unit-name")).ToHaveTextAsync("南湖新区");
        await Expect(centre.TestId("refusal")).ToBeHiddenAsync();
        Assert.Empty(centre.Errors);
    }

    [Fact]
    public async Task Shows_the_units_own_deadline_warnings_as_they_happen()
    {
        const string unit = "quyuan-admin-district";
        await using var page = await wall.OpenPathAsync($"/unit/{unit}?token={Uri.EscapeDataString(UnitToken(unit))}");
        await Expect(page.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        var ticket = $"UW-{Guid.NewGuid().ToString("N")[..8]}";
        var now = CityClock.Now;
        // An urgent order three seconds from its deadline: due soon and due today at once, overdue three seconds later.
        await wall.Server.PostEventsAsync(Order(ticket, unit, CityClock.Ago(TimeSpan.FromMinutes(2)), now.AddSeconds(3), "urgent"));
        var newest = page.TestId("ticker").Locator("li").First;
        await Expect(newest).ToHaveAttributeAsync("data-ticket-id", ticket, Within10s);
        await Expect(newest).ToHaveAttributeAsync("data-kind", "overdue", Within10s);
        await Expect(newest).ToContainTextAsync("已超期");
        // The order at risk counts down past its deadline.
        var row = page.TestId("at-risk").Locator($"li[data-ticket-id='{ticket}']");
        await Expect(row).ToHaveAttributeAsync("data-level", "overdue", Within10s);
        await Expect(row.Locator(".risk-left")).ToContainTextAsync("超期");
        await Expect(page.TestId("count-overdue")).ToHaveAttributeAsync("data-value", "1", Within10s);
        await page.ScreenshotAsync("warnings", page: "portal", fullPage: true);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Reconnects_after_a_server_restart_and_subscribes_again()
    {
        // A server of its own: this test stops it. Tokens and ledgers survive the restart in the data dir.
        using var dataDir = new TestDataDir();
        var first = await RunningServer.StartAsync(dataDir: dataDir);
        var url = first.Url;
        RunningServer? second = null;
        try
        {
            await using var page = await wall.OpenPathAsync($"/unit/{Unit}?token={Uri.EscapeDataString(UnitToken(Unit, first))}", first);
            var state = page.TestId("connection-state");
            await Expect(state).ToHaveAttributeAsync("data-state", "connected", Within10s);
            var now = CityClock.Now;
            var monthEnd = CityTime.EndOfMonth(CityTime.MonthOf(now));
            var deadline = now.AddHours(5) < monthEnd ? now.AddHours(5) : monthEnd.AddMinutes(-1);
            // One open order: 0 + 0 + 20 + 20 = 40.0.
            await first.PostEventsAsync(Order("RC-1", Unit, CityClock.Ago(TimeSpan.FromMinutes(5)), deadline));
            await Expect(page.TestId("score-hotline")).ToHaveAttributeAsync("data-value", "40", Within10s);

            await first.DisposeAsync();
            await Expect(state).ToHaveAttributeAsync("data-state", new System.Text.RegularExpressions.Regex("^(reconnecting|disconnected)$"), new() { Timeout = 15_000 });
            second = await RunningServer.StartAsync(url, dataDir);
            await Expect(state).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 45_000 });
            // Subscribed again: the reply reaches the page live. 30 + 30 + 20 + 20 = 100.0.
            await second.PostEventsAsync(new[] { new { id = "RC-1-p", type = "replied", ticketId = "RC-1", at = CityClock.Iso(CityClock.Now.AddSeconds(-1)) } });
            await Expect(page.TestId("score-hotline")).ToHaveAttributeAsync("data-value", "100", Within10s);
            await Expect(page.TestId("grade-hotline")).ToHaveTextAsync("A");
            Assert.DoesNotContain(page.Errors, e => e.StartsWith("page error", StringComparison.Ordinal));
        }
        finally
        {
            if (second is not null) await second.DisposeAsync();
        }
    }

    private static Task ExpectValue(WallPage page, string testId, string value) =>
        Expect(page.TestId(testId)).ToHaveAttributeAsync("data-value", value, Within10s);

    /// <summary>A number as JavaScript's String(n) writes it (what the page puts in data-value).</summary>
    private static string Num(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "";
}
