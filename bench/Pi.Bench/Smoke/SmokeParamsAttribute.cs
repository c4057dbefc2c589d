namespace Pi.Bench.Smoke;

/// <summary>
/// The values <c>--smoke</c> uses for a <c>[Params]</c> member instead of the benchmark's own, when
/// those would make the smoke check slow (for example connecting 2,000 MQTT clients). The values
/// should still exercise the same code paths.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SmokeParamsAttribute(params object[] values) : Attribute
{
    /// <summary>The values to check.</summary>
    public IReadOnlyList<object?> Values { get; } = values;
}
