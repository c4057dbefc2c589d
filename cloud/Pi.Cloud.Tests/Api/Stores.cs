namespace Pi.Cloud.Tests.Api;

/// <summary>Every API test runs on both store engines.</summary>
public static class Stores
{
    public static TheoryData<string> All => new() { "sqlite", "postgres" };
}
