namespace Pi.Bench.Smoke;

/// <summary>A benchmark class that can check what its benchmark methods return.</summary>
internal interface ISmokeCheck
{
    /// <summary>Throws unless <paramref name="result"/> is what <paramref name="benchmark"/> must return.</summary>
    void Verify(string benchmark, object? result);
}
