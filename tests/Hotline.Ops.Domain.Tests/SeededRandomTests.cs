using Hotline.Ops.Domain;

namespace Hotline.Ops.Domain.Tests;

public sealed class SeededRandomTests
{
    private const int Samples = 200_000;

    [Fact]
    public void The_same_seed_gives_the_same_draws_and_another_seed_others()
    {
        var a = new SeededRandom(42);
        var b = new SeededRandom(42);
        var c = new SeededRandom(43);
        var xs = Enumerable.Range(0, 1000).Select(_ => a.NextDouble()).ToList();
        Assert.Equal(xs, Enumerable.Range(0, 1000).Select(_ => b.NextDouble()));
        Assert.NotEqual(xs, Enumerable.Range(0, 1000).Select(_ => c.NextDouble()));
        Assert.All(xs, x => Assert.InRange(x, 0, Math.BitDecrement(1.0)));
        // Uniform: the mean of 1,000 is 0.5 within five standard errors (√(1/12/1000) = 0.0091).
        Assert.InRange(xs.Average(), 0.5 - 0.046, 0.5 + 0.046);
    }

    /// <summary>Every path: one trial, trials one by one, inversion (also over the rarer outcome, and with a huge n),
    /// and the normal approximation.</summary>
    [Theory]
    [InlineData(1, 0.3)]
    [InlineData(5, 0.9)]
    [InlineData(40, 0.1)]
    [InlineData(200, 0.97)]
    [InlineData(120, 0.5)]
    [InlineData(1_000_000, 0.00001)]
    [InlineData(10_000, 0.3)]
    public void Binomial_draws_have_the_binomial_mean_and_variance(int n, double p)
    {
        var rng = new SeededRandom(n);
        var xs = Enumerable.Range(0, Samples).Select(_ => rng.Binomial(n, p)).ToArray();
        Assert.All(xs, x => Assert.InRange(x, 0, n));
        AssertMoments(xs, n * p, n * p * (1 - p));
    }

    [Theory]
    [InlineData(12, 0.3)]
    [InlineData(20, 0.8)]
    [InlineData(6, 0.45)]
    public void Small_binomials_are_exact(int n, double p)
    {
        var rng = new SeededRandom(7);
        var counts = new int[n + 1];
        for (var i = 0; i < Samples; i++) counts[rng.Binomial(n, p)]++;
        var pmf = 1.0;
        for (var k = 0; k <= n; k++)
        {
            pmf = k == 0 ? Math.Pow(1 - p, n) : pmf * (n - k + 1) / k * p / (1 - p);
            AssertFrequency(counts[k], pmf, $"P({k})");
        }
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(12)]
    [InlineData(29.5)]
    [InlineData(250)]
    public void Poisson_draws_have_the_poisson_mean_and_variance(double mean)
    {
        var rng = new SeededRandom(3);
        AssertMoments(Enumerable.Range(0, Samples).Select(_ => rng.Poisson(mean)).ToArray(), mean, mean);
    }

    [Fact]
    public void Small_poissons_are_exact()
    {
        var rng = new SeededRandom(11);
        var counts = new int[40];
        for (var i = 0; i < Samples; i++) counts[Math.Min(39, rng.Poisson(3))]++;
        var pmf = Math.Exp(-3);
        for (var k = 0; k <= 12; k++, pmf *= 3.0 / k) AssertFrequency(counts[k], pmf, $"P({k})");
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(3.5)]
    [InlineData(400)]
    public void Gamma_draws_have_the_gamma_mean_and_variance(double shape)
    {
        var rng = new SeededRandom(5);
        var xs = Enumerable.Range(0, Samples).Select(_ => rng.Gamma(shape)).ToArray();
        Assert.All(xs, x => Assert.True(x >= 0));
        AssertMoments(xs, shape, shape, varianceTolerance: shape < 1 ? 0.08 : 0.03);
    }

    /// <summary>Mean within five standard errors, variance within a few per cent (its standard error is √(2/N) ≈ 0.3 %
    /// for a near-normal variable; more for skewed ones).</summary>
    private static void AssertMoments(IReadOnlyList<double> xs, double mean, double variance, double varianceTolerance = 0.03)
    {
        var m = xs.Average();
        var v = xs.Sum(x => (x - m) * (x - m)) / (xs.Count - 1);
        Assert.InRange(m, mean - 5 * Math.Sqrt(variance / xs.Count), mean + 5 * Math.Sqrt(variance / xs.Count));
        Assert.InRange(v, variance * (1 - varianceTolerance), variance * (1 + varianceTolerance));
    }

    private static void AssertMoments(int[] xs, double mean, double variance) =>
        AssertMoments(xs.Select(x => (double)x).ToArray(), mean, variance);

    /// <summary>An observed count against its probability: within five binomial standard errors (and one count).</summary>
    private static void AssertFrequency(int count, double p, string what)
    {
        var expected = Samples * p;
        var slack = 5 * Math.Sqrt(Samples * p * (1 - p)) + 1;
        Assert.True(Math.Abs(count - expected) <= slack, $"{what}: {count} drawn, {expected:F1} expected (± {slack:F1})");
    }
}
