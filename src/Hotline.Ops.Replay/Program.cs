using Hotline.Ops.Replay;

// Thin entry point: everything lives in ReplayCli / ReplayRunner so tests and the host can call it in-process.
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
return await ReplayCli.RunAsync(args, Console.Out, Console.Error, cts.Token);
