using System.Collections.Concurrent;
using CementQuant.Phantom;

namespace CementQuant.Testing;

/// <summary>Rendered small phantom cases and their truth, made once per test run and shared by test classes.</summary>
public static class PhantomCache
{
    private static readonly ConcurrentDictionary<string, Lazy<(RenderedCt Ct, PhantomTruth Truth)>> Cases = new();

    public static (RenderedCt Ct, PhantomTruth Truth) Get(string name) =>
        Cases.GetOrAdd(name, n => new Lazy<(RenderedCt, PhantomTruth)>(() =>
        {
            var phantom = PhantomCatalogue.Get(n, PhantomSize.Small);
            return (CtRenderer.Render(phantom, seed: 1), TruthCalculator.Compute(phantom));
        })).Value;
}
