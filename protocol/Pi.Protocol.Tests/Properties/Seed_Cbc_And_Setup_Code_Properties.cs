using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Pi.Protocol.Compat;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Tests.Properties;

/// <summary>seed-cbc round trips and setup code parsing.</summary>
public sealed class Seed_Cbc_And_Setup_Code_Properties
{
    private static readonly Gen<string> SeedCbcKeys =
        Gen.ArrayOf(Gen.Choose(0x20, 0x7E).Select(c => (char)c), SeedCbc.KeyLength).Select(chars => new string(chars));

    /// <summary>Any Unicode text (with interior U+0000, control characters, astral characters) not ending in U+0000.</summary>
    private static readonly Gen<string> Contents =
        Gen.Frequency(
                (3, Generators.Text(0, 200)),
                (1, Generators.Text(0, 4000)),
                (2, Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Elements("\0", "\u0001", "\n", "a", "é", "😀", "\u007f", "\uffff", " "), n)).Select(string.Concat)))
            .Where(text => !text.EndsWith('\0'));

    [PiProperty(MaxTest = 500)]
    public Property Seed_cbc_decrypts_what_it_encrypted() =>
        Prop.ForAll(Gen.Zip(Contents, SeedCbcKeys).ToArbitrary(), input =>
        {
            var (content, key) = input;
            var data = SeedCbc.Encrypt(content, key);
            Assert.Equal(content, SeedCbc.Decrypt(data, key));
            Assert.Equal(content, SeedCbc.Decrypt($"  {data}\n", key));
            Assert.Equal(0, Convert.FromBase64String(data).Length % 16);
        });

    [PiProperty(MaxTest = 300)]
    public Property Seed_cbc_drops_trailing_U0000_as_the_seed_does() =>
        Prop.ForAll(Gen.Zip(Contents, Gen.Choose(1, 40)).ToArbitrary(), input =>
        {
            var (content, zeros) = input;
            const string key = "0123456789abcdef0123456789abcdef";
            Assert.Equal(content, SeedCbc.Decrypt(SeedCbc.Encrypt(content + new string('\0', zeros), key), key));
        });

    [PiProperty(MaxTest = 200)]
    public Property Seed_cbc_under_another_key_never_yields_the_text() =>
        Prop.ForAll(Gen.Zip(Generators.Text(16, 200), Gen.Two(SeedCbcKeys).Where(keys => keys.Item1 != keys.Item2)).ToArbitrary(), input =>
        {
            var (content, (key, other)) = input;
            var data = SeedCbc.Encrypt(content, key);
            try
            {
                Assert.NotEqual(content, SeedCbc.Decrypt(data, other));
            }
            catch (ProtocolException ex)
            {
                Assert.Equal(ProtocolErrorCode.DecryptFailed, ex.Code);
            }
        });

    /// <summary>The ways a person may type a code: as printed, canonical, lower case, with spaces, with O and I/L.</summary>
    private static string Typed(string canonical, int variant) => variant switch
    {
        0 => $"{canonical[..6]}-{canonical[6..12]}-{canonical[12..]}",
        1 => canonical,
        2 => canonical.ToLowerInvariant(),
        3 => string.Join(' ', canonical.Chunk(3).Select(chunk => new string(chunk))),
        _ => canonical.Replace('0', 'O').Replace('1', variant % 2 == 0 ? 'I' : 'l'),
    };

    [PiProperty(MaxTest = 500)]
    public Property A_generated_setup_code_parses_back_however_it_is_typed() =>
        Prop.ForAll(Gen.Choose(0, 5).ToArbitrary(), variant =>
        {
            var code = SetupCode.Generate();
            var canonical = code.ToCanonicalString();
            Assert.Equal(SetupCode.Length, canonical.Length);
            Assert.All(canonical, c => Assert.Contains(c, SetupCode.Alphabet));
            Assert.Equal(code, SetupCode.Parse(Typed(canonical, variant)));
            Assert.Equal(canonical, SetupCode.Parse(code.ToDisplayString()).ToCanonicalString());
            Assert.Equal("SetupCode(***)", code.ToString());
        });

    [PiProperty(MaxTest = 1000)]
    public Property Any_single_symbol_change_of_a_setup_code_is_rejected() =>
        Prop.ForAll(
            (from position in Gen.Choose(0, SetupCode.Length - 1)
             from shift in Gen.Choose(1, SetupCode.Alphabet.Length - 1)
             from variant in Gen.Choose(0, 5)
             select (position, shift, variant)).ToArbitrary(),
            input =>
        {
            var (position, shift, variant) = input;
            var canonical = SetupCode.Generate().ToCanonicalString();
            var index = SetupCode.Alphabet.IndexOf(canonical[position], StringComparison.Ordinal);
            var changed = new StringBuilder(canonical) { [position] = SetupCode.Alphabet[(index + shift) % SetupCode.Alphabet.Length] }.ToString();
            Assert.False(SetupCode.TryParse(Typed(changed, variant), out _, out var reason));
            Assert.Contains("check symbol", reason, StringComparison.Ordinal);
            Assert.Equal(ProtocolErrorCode.InvalidSetupCode, Assert.Throws<ProtocolException>(() => { _ = SetupCode.Parse(Typed(changed, variant)); }).Code);
        });
}
