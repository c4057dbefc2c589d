using System.Security.Cryptography;
using Pi.Protocol.Crypto;

namespace Pi.App.Tests;

/// <summary>Fresh random keys and codes for each test, so no test depends on another's values.</summary>
internal static class TestKeys
{
    public static string NewKeyHex() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SymmetricKey.Size));

    public static string NewKeyBase64() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(SymmetricKey.Size));

    public static string NewSetupCode() => SetupCode.Generate().ToDisplayString();

    /// <summary>The seed's own example key string.</summary>
    public const string SeedKey = "kvCMU5EerVjVIFk66dUZdSnttLyWCSbv";

    /// <summary>The seed's own example ciphertext.</summary>
    public const string SeedCiphertext = "QFoulV0EugD2rKN10aLgCqqrVtrJ6pfzAWFTrGfOXRUWmNuC1LMu9Srml3iR01aCEZqfm+TarW9OtJLSfGRzsTY7ivAHgTHRG6M6cNINYLLFcdUtbIk0dipqoxjExUnHRJjTzYZ+xbOBnVG2TJvBai92NCHnmkGmnirugVqio1TP+KK6W9n4C4R9JTk141wA";

    /// <summary>What it decrypts to.</summary>
    public const string SeedPlaintext = "<msg cmd=\"getwayrole\" type=\"common\" seq=\"xx\"><getwayrole><gatewaytid>1042029</gatewaytid><usertid/></getwayrole></msg>";
}
