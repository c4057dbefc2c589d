namespace Pi.App.Io;

/// <summary>Prints aligned <c>name  value</c> lines, the format of decode's output.</summary>
internal static class Fields
{
    public const int NameWidth = 11;

    public static void Write(TextWriter writer, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine($"{name.PadRight(NameWidth)}{value}");
    }
}
