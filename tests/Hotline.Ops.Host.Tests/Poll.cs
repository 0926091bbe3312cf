namespace Hotline.Ops.Host.Tests;

/// <summary>Waits for what a server does in the background (a ticket going to rest, a sweep, a stored watermark).</summary>
internal static class Poll
{
    public static async Task Until(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(seconds); !await condition(); await Task.Delay(100))
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {seconds} s: {what}");
    }

    public static Task Until(Func<bool> condition, string what, int seconds = 30) =>
        Until(() => Task.FromResult(condition()), what, seconds);
}
