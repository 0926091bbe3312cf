using Microsoft.Playwright;

namespace Hotline.Ops.Browser.Tests;

/// <summary>
/// One real server and Debian's Chromium (driven by Playwright) shared by the wall tests. Playwright never downloads a
/// browser here: the machine's /usr/bin/chromium is the browser, and without it the tests fail with a clear message.
/// </summary>
public sealed class WallBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private RunningServer? _server;

    public RunningServer Server => _server ?? throw new InvalidOperationException("not started");
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        // A failure, not a skip: a wall that was never looked at must not pass as green.
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"{ChromiumPath} is missing: the browser tests use Debian's Chromium (apt-get install -y chromium) and never download one.");
        _server = await RunningServer.StartAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    /// <summary>A fresh 1920×1080 page (its own storage) that records script errors for the test to check.</summary>
    public Task<WallPage> OpenAsync(string query = "", RunningServer? server = null) => OpenPageAsync("wall", query, server);

    /// <summary>The shift-lead console with the lead's token, like a lead's bookmark.</summary>
    public Task<WallPage> OpenLeadAsync(RunningServer? server = null) =>
        OpenPageAsync("lead", "?token=" + Uri.EscapeDataString((server ?? Server).LeadToken), server);

    private async Task<WallPage> OpenPageAsync(string path, string query, RunningServer? server)
    {
        server ??= Server;
        // The page takes its hub token from ?token= (a wall screen's address carries it).
        var withToken = query.Contains("token=", StringComparison.Ordinal) ? query
            : (query.Length == 0 ? "?" : query + "&") + "token=" + Uri.EscapeDataString(server.WallToken);
        return await OpenPathAsync($"/{path}{withToken}", server);
    }

    /// <summary>A fresh 1920×1080 page at <paramref name="pathAndQuery"/> (the caller puts the token in it).</summary>
    public async Task<WallPage> OpenPathAsync(string pathAndQuery, RunningServer? server = null)
    {
        server ??= Server;
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1920, Height = 1080 },
            Locale = "zh-CN",
        });
        var page = await context.NewPageAsync();
        var wall = new WallPage(context, page);
        page.PageError += (_, e) => wall.Errors.Add("page error: " + e);
        page.Console += (_, m) => { if (m.Type == "error") wall.Errors.Add("console error: " + m.Text); };
        page.Request += (_, r) => { lock (wall.Requests) wall.Requests.Add(r); };
        var response = await page.GotoAsync(server.Url + pathAndQuery);
        Assert.True(response is { Ok: true }, $"GET {pathAndQuery} answered {response?.Status}");
        return wall;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WallCollection : ICollectionFixture<WallBrowser>
{
    public const string Name = "wall";
}

public sealed class WallPage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page { get; } = page;
    public List<string> Errors { get; } = [];
    public List<Microsoft.Playwright.IRequest> Requests { get; } = [];

    public ILocator TestId(string id) => Page.GetByTestId(id);

    /// <summary>The raw number behind a KPI tile (its data-value), or null while the tile shows "—".</summary>
    public async Task<double?> KpiAsync(string testId)
    {
        var v = await TestId(testId).Locator("[data-field=value]").GetAttributeAsync("data-value");
        return string.IsNullOrEmpty(v) ? null : double.Parse(v, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Saves TestResults/screenshots/{page}-{name}.png.</summary>
    public async Task ScreenshotAsync(string name, string page = "wall", bool fullPage = false) =>
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Repo.Screenshots, $"{page}-{name}.png"), FullPage = fullPage });

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}
