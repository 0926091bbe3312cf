using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using static Microsoft.Playwright.Assertions;

namespace Hotline.Ops.Browser.Tests;

/// <summary>The shift-lead console in Chromium: an under-staffed queue, the advice, a one-click move seen on the console and on a wall.</summary>
[Collection(WallCollection.Name)]
public sealed class LeadConsoleTests(WallBrowser browser)
{
    private static readonly Microsoft.Playwright.LocatorAssertionsToHaveAttributeOptions Within10s = new() { Timeout = 10_000 };

    [Fact]
    public async Task Clicking_a_proposed_move_updates_the_console_and_the_wall()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var now = CityClock.Now;
        // Two agents on utilities with 25 calls waiting from the last quarter hour (≈ 6.7 Erlangs at the default
        // handle time), eight free agents on an idle general queue.
        var events = new List<object>();
        for (var i = 1; i <= 2; i++) events.Add(new { id = $"{run}-u{i}", type = "agentState", at = CityClock.Iso(now.AddMinutes(-30)), queue = "utilities", agent = $"u{run}-{i}", state = "available" });
        for (var i = 1; i <= 8; i++) events.Add(new { id = $"{run}-g{i}", type = "agentState", at = CityClock.Iso(now.AddMinutes(-30)), queue = "general", agent = $"g{run}-{i}", state = "available" });
        for (var i = 1; i <= 25; i++) events.Add(new { id = $"{run}-c{i}", type = "callOffered", at = CityClock.Iso(now.AddSeconds(-14 * 60 + i * 30)), queue = "utilities", callId = $"{run}-c{i}" });
        await browser.Server.PostEventsAsync(events);

        await using var console = await browser.OpenLeadAsync();
        await using var wall = await browser.OpenAsync();
        await Expect(console.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        await Expect(console.TestId("title")).ToHaveTextAsync("12345热线值班长控制台");
        var utilities = console.TestId("queue-utilities");
        await Expect(utilities).ToHaveAttributeAsync("data-understaffed", "true", Within10s);
        var staffed = utilities.Locator("[data-field=staffed]");
        var before = int.Parse((await staffed.GetAttributeAsync("data-value"))!);
        var projectedBefore = double.Parse((await utilities.Locator("[data-field=projected]").GetAttributeAsync("data-value"))!, System.Globalization.CultureInfo.InvariantCulture);
        var wallRow = wall.TestId("queue-row-utilities");
        await Expect(wallRow).ToHaveAttributeAsync("data-understaffed", "true", Within10s);
        var wallAvailable = wallRow.Locator("[data-field=available]");
        var wallBefore = int.Parse((await wallAvailable.GetAttributeAsync("data-value"))!);

        // The advice: general's spare agents to utilities, with the projected service levels.
        var move = console.TestId("move-general-utilities");
        await Expect(move).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(move).ToContainTextAsync("综合受理");
        var moving = (await move.GetAttributeAsync("data-agents"))!.Split(',').Length;
        Assert.True(moving >= 1);
        await console.ScreenshotAsync("lead-advice");
        await console.TestId("apply-general-utilities").ClickAsync();

        // Both screens follow: the console's staffing and projected level, the wall's free agents.
        await Expect(staffed).ToHaveAttributeAsync("data-value", (before + moving).ToString(), Within10s);
        await Expect(wallAvailable).ToHaveAttributeAsync("data-value", (wallBefore + moving).ToString(), Within10s);
        var projectedAfter = double.Parse((await utilities.Locator("[data-field=projected]").GetAttributeAsync("data-value"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(projectedAfter > projectedBefore, $"projected {projectedBefore} → {projectedAfter}");
        await Expect(console.TestId("notice")).ToContainTextAsync("已将");
        await console.ScreenshotAsync("lead-moved");

        // English switch, as on the wall.
        await console.TestId("lang-switch").ClickAsync();
        await Expect(console.TestId("title")).ToHaveTextAsync("12345 Shift Lead Console");
        Assert.Empty(console.Errors);
        Assert.Empty(wall.Errors);
    }

    [Fact]
    public async Task Declares_and_ends_an_emergency_from_the_console()
    {
        await using var console = await browser.OpenLeadAsync();
        await Expect(console.TestId("connection-state")).ToHaveAttributeAsync("data-state", "connected", Within10s);
        var name = $"停水-{Guid.NewGuid().ToString("N")[..6]}";
        await console.TestId("declare-name").FillAsync(name);
        await console.TestId("declare-keywords").FillAsync("停水, 水管爆裂");
        await console.TestId("declare").ClickAsync();
        var item = console.Page.Locator("[data-testid^=emergency-]", new() { HasText = name });
        await Expect(item).ToHaveAttributeAsync("data-active", "true", Within10s);
        var listed = await browser.Server.Http.GetFromJsonAsync<JsonElement>("/api/ops/emergencies");
        var id = listed.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;
        await console.TestId($"end-{id}").ClickAsync();
        await Expect(item).ToHaveAttributeAsync("data-active", "false", Within10s);
        Assert.Empty(console.Errors);
    }

    [Fact]
    public async Task QueueStatus_is_coalesced_to_one_a_second_and_only_leads_get_the_agents()
    {
        await using var client = await HubClient.ConnectAsync(browser.Server);
        await client.Connection.InvokeAsync("Subscribe", "wall");
        var snapshot = await client.WaitForAsync("queueStatus", TimeSpan.FromSeconds(5));
        Assert.False(snapshot.TryGetProperty("agents", out _));
        var run = Guid.NewGuid().ToString("N")[..6];
        var now = CityClock.Now;
        // Twenty batches of calls for about three seconds: the wall gets at most one queueStatus a second.
        client.Clear();
        for (var i = 0; i < 20; i++)
        {
            await browser.Server.PostEventsAsync([new { id = $"{run}-q{i}", type = "callOffered", at = CityClock.Iso(now.AddSeconds(-60 + i)), queue = "transport", callId = $"{run}-q{i}" }]);
            await Task.Delay(150);
        }
        await client.WaitForAsync("queueStatus", TimeSpan.FromSeconds(5),
            p => p.GetProperty("queues").EnumerateArray().Any(q => q.GetProperty("id").GetString() == "transport" && q.GetProperty("waiting").GetInt32() >= 20));
        var times = client.Times("queueStatus");
        Assert.True(times.Count >= 2, $"{times.Count} pushes");
        // Uncoalesced, the twenty batches would be some six pushes a second.
        Assert.True(client.MaxInOneSecond("queueStatus") <= 2, $"queueStatus messages at (s): {string.Join(", ", times.Select(x => x.TotalSeconds.ToString("F2")))}");

        // The wall's pushes never list agents; a lead's snapshot does.
        Assert.All(client.All("queueStatus"), p => Assert.False(p.TryGetProperty("agents", out _)));
        await browser.Server.PostEventsAsync([new { id = $"{run}-agent", type = "agentState", at = CityClock.Iso(now), queue = "transport", agent = $"t{run}", state = "available" }]);
        await using var lead = new HubClientForLead(browser.Server);
        var leadSnapshot = await lead.SnapshotAsync();
        Assert.Contains(leadSnapshot.GetProperty("agents").EnumerateArray(), a => a.GetProperty("id").GetString() == $"t{run}");
    }
}

/// <summary>A lead's hub connection: the lead topic's queueStatus carries the agents.</summary>
internal sealed class HubClientForLead(RunningServer server) : IAsyncDisposable
{
    private readonly HubConnection _connection = new HubConnectionBuilder()
        .WithUrl(server.Url + "/hubs/wall", o => o.AccessTokenProvider = () => Task.FromResult<string?>(server.LeadToken)).Build();

    public async Task<JsonElement> SnapshotAsync()
    {
        var got = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _connection.On<JsonElement>("queueStatus", p => got.TrySetResult(p.Clone()));
        await _connection.StartAsync();
        await _connection.InvokeAsync("Subscribe", "lead");
        return await got.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
