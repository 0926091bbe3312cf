using Hotline.Ops.Domain;

namespace Hotline.Ops.Replay.Tests;

public class DomainDataTests
{
    [Fact]
    public void February2024_parses_all_rows()
    {
        var rows = BulletinCsv.February2024;
        Assert.Equal(119, rows.Count);
        Assert.Equal(22_249, rows.Where(r => r.Channel == AssessmentChannel.Hotline).Sum(r => r.Counts.Due));
    }
}
