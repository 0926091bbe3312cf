var m = Hotline.Ops.Replay.MonthGenerator.Generate(Hotline.Ops.Replay.ReplayTargets.February2024);
Console.WriteLine(m.Events.Count);
