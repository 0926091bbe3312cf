using Hotline.Ops.Domain;

namespace Hotline.Ops.Contracts;

/// <summary>The bonus/penalty ledger (加扣分) of one year, keyed by the year.</summary>
public interface IAdjustmentsGrain : IGrainWithIntegerKey
{
    Task<Adjustment> Add(Adjustment adjustment);
    Task<IReadOnlyList<Adjustment>> List();
}
