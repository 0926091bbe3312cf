using System.Numerics;

namespace Hotline.Ops.Domain;

/// <summary>
/// A fast deterministic generator for the forecasts' Monte Carlo: xoshiro256** seeded by SplitMix64 from an int, so
/// the same seed gives the same draws on every machine and .NET version (a seeded <see cref="Random"/> uses the legacy
/// algorithm, which profiled as a large part of the forecast's cost), with the samplers the forecast needs.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal = double.NaN;

    public SeededRandom(int seed)
    {
        var x = (ulong)(long)seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal, Box–Muller (the pair's second value is kept for the next call).</summary>
    public double Normal()
    {
        if (!double.IsNaN(_spareNormal))
        {
            var spare = _spareNormal;
            _spareNormal = double.NaN;
            return spare;
        }
        var r = Math.Sqrt(-2 * Math.Log(1 - NextDouble()));
        var (sin, cos) = Math.SinCos(2 * Math.PI * NextDouble());
        _spareNormal = r * sin;
        return r * cos;
    }

    /// <summary>Gamma(shape, 1), Marsaglia–Tsang; shapes below 1 by the usual boost.</summary>
    public double Gamma(double shape)
    {
        if (shape <= 0) return 0;
        if (shape < 1) return Gamma(shape + 1) * Math.Pow(NextDouble(), 1 / shape);
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = Normal(); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            var u = NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    public double Beta(double a, double b)
    {
        var x = Gamma(a);
        var y = Gamma(b);
        return x + y <= 0 ? a / (a + b) : x / (x + y);
    }

    /// <summary>Variance above which a count is drawn from its normal approximation (rounded, clamped): the error
    /// is then far below the forecast's Monte Carlo noise; below it the draw is exact.</summary>
    public const double NormalApproximationVariance = 30;

    /// <summary>Poisson: exact by inversion up to a mean of 30 (one uniform, about mean + 1 steps), else normal.</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0) return 0;
        if (mean > NormalApproximationVariance) return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Normal()));
        var u = NextDouble();
        var f = Math.Exp(-mean);
        var k = 0;
        while (u >= f && f > 0)
        {
            u -= f;
            k++;
            f *= mean / k;
        }
        return k;
    }

    /// <summary>
    /// Binomial(n, p): exact by inversion over the rarer outcome while n·p·(1−p) ≤ 30 (one uniform, about
    /// n·min(p, 1−p) + 1 steps, at most ~60), else the normal approximation. Fewer than 8 trials are drawn one by one
    /// (cheaper than the inversion's power).
    /// </summary>
    /// <summary>Fewer trials than this are drawn one by one: cheaper than the inversion's power.</summary>
    public const int BernoulliBelow = 8;

    public int Binomial(int n, double p)
    {
        if (n <= 0 || p <= 0) return 0;
        if (p >= 1) return n;
        if (n < BernoulliBelow)
        {
            var hits = 0;
            for (var i = 0; i < n; i++) if (NextDouble() < p) hits++;
            return hits;
        }
        if (p > 0.5) return n - Binomial(n, 1 - p);
        var q = 1 - p;
        var variance = n * p * q;
        if (variance > NormalApproximationVariance)
            return Math.Clamp((int)Math.Round(n * p + Math.Sqrt(variance) * Normal()), 0, n);
        // Walk the probabilities from 0: P(k+1) = P(k)·(n−k)/(k+1)·p/q. q^n ≥ e^−84 here, no underflow.
        var u = NextDouble();
        var f = Math.Pow(q, n);
        var ratio = p / q;
        var k = 0;
        while (u >= f && k < n && f > 0)
        {
            u -= f;
            f *= ratio * (n - k) / (k + 1);
            k++;
        }
        return k;
    }
}
