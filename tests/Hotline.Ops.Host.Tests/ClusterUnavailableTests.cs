using Hotline.Ops.Host.Api;
using Orleans.Storage;

namespace Hotline.Ops.Host.Tests;

/// <summary>Which failures the API answers 503 (send it again) rather than 500; the cluster tests see them from a killed silo.</summary>
public class ClusterUnavailableTests
{
    [Fact]
    public void What_a_retry_will_get_past_is_unavailable_and_nothing_else()
    {
        Assert.NotNull(ClusterUnavailableHandler.Transient(new SiloUnavailableException()));
        Assert.NotNull(ClusterUnavailableHandler.Transient(new TimeoutException()));
        Assert.NotNull(ClusterUnavailableHandler.Transient(new InconsistentStateException("etag mismatch")));
        // Wrapped, as a grain call's failure can come.
        Assert.NotNull(ClusterUnavailableHandler.Transient(new InvalidOperationException("outer", new SiloUnavailableException())));

        Assert.Null(ClusterUnavailableHandler.Transient(new InvalidOperationException("a defect")));
        Assert.Null(ClusterUnavailableHandler.Transient(new NullReferenceException()));
        // A batch whose tickets failed together is unavailable only if every failure is.
        Assert.NotNull(ClusterUnavailableHandler.Transient(new AggregateException(new TimeoutException(), new SiloUnavailableException())));
        Assert.Null(ClusterUnavailableHandler.Transient(new AggregateException(new TimeoutException(), new InvalidOperationException("a defect"))));
    }
}
