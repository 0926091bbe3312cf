using static Microsoft.Playwright.Assertions;
using Microsoft.Playwright;

namespace Hotline.Ops.Browser.Tests;

/// <summary>The wall through a server restart: it says so, reconnects by itself and subscribes again.</summary>
[Collection(WallCollection.Name)]
public sealed class WallReconnectTests(WallBrowser wall)
{
    [Fact]
    public async Task Shows_the_outage_then_reconnects_and_subscribes_again()
    {
        // A server of its own: this test stops it.
        using var dataDir = new TestDataDir();
        var first = await RunningServer.StartAsync(dataDir: dataDir);
        var url = first.Url;
        RunningServer? second = null;
        try
        {
            await using var page = await wall.OpenAsync(server: first);
            var state = page.TestId("connection-state");
            await Expect(state).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 10_000 });
            var run = Guid.NewGuid().ToString("N")[..8];
            await first.PostEventsAsync([Received($"rc-{run}-1")]);
            var value = page.TestId("kpi-received-today").Locator("[data-field=value]");
            await Expect(value).ToHaveAttributeAsync("data-value", "1", new() { Timeout = 10_000 });

            await first.DisposeAsync();
            await Expect(state).ToHaveAttributeAsync("data-state", new System.Text.RegularExpressions.Regex("^(reconnecting|disconnected)$"), new() { Timeout = 15_000 });
            await Expect(state).Not.ToContainTextAsync("已连接");

            second = await RunningServer.StartAsync(url, dataDir);
            // Automatic reconnect retries at 0, 1, 2, 5, 10 … s, and after a close every 10 s.
            await Expect(state).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 45_000 });
            await Expect(state).ToContainTextAsync("已连接");
            // Subscribed again: a new event reaches the page (the count survived the restart in SQLite).
            await second.PostEventsAsync([Received($"rc-{run}-2")]);
            await Expect(value).ToHaveAttributeAsync("data-value", "2", new() { Timeout = 10_000 });
            Assert.DoesNotContain(page.Errors, e => e.StartsWith("page error", StringComparison.Ordinal));
        }
        finally
        {
            if (second is not null) await second.DisposeAsync();
        }
    }

    private static object Received(string ticket) =>
        new { id = ticket + "-r", type = "received", ticketId = ticket, at = CityClock.Iso(CityClock.Ago(TimeSpan.FromMinutes(1))), channel = "hotline", category = "transport", text = "公交停运" };
}
