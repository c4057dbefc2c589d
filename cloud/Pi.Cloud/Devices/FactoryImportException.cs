using System.Globalization;
using System.Text;

namespace Pi.Cloud.Devices;

/// <summary>
/// One thing wrong with a factory-record import. <see cref="Line"/> (CSV, 1-based, where the record
/// starts) or <see cref="Index"/> (JSON, 0-based array index) says where, <see cref="Field"/> which
/// column or property. <see cref="Reason"/> states the rule broken and never quotes a value, so a
/// verification code cannot end up in a log or an HTTP answer.
/// </summary>
public sealed record FactoryImportError(int? Line, int? Index, string? Field, string Reason)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Line is { } line)
        {
            text.Append(CultureInfo.InvariantCulture, $"line {line}");
        }
        else if (Index is { } index)
        {
            text.Append(CultureInfo.InvariantCulture, $"record [{index}]");
        }
        else
        {
            text.Append("input");
        }
        if (Field is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $", '{Field}'");
        }
        return text.Append(": ").Append(Reason).ToString();
    }
}

/// <summary>
/// A factory-record import was refused as a whole; <see cref="Errors"/> lists what was wrong (up to
/// <see cref="FactoryRecordImport.MaxReportedErrors"/>). No value from the input appears in it.
/// </summary>
public sealed class FactoryImportException : Exception
{
    /// <summary>An import refused for <paramref name="errors"/> (at least one).</summary>
    public FactoryImportException(IReadOnlyList<FactoryImportError> errors, bool moreErrors = false)
        : base(Describe(errors, moreErrors))
    {
        Errors = errors;
        MoreErrors = moreErrors;
    }

    /// <summary>An import refused for one reason about the input as a whole.</summary>
    public FactoryImportException(string reason)
        : this([new FactoryImportError(null, null, null, reason)])
    {
    }

    /// <summary>An import refused for an unspecified reason.</summary>
    public FactoryImportException()
        : this("the import was refused")
    {
    }

    /// <summary>An import refused for a reason, with its cause (which must not hold input values either).</summary>
    public FactoryImportException(string reason, Exception innerException)
        : base(Describe([new FactoryImportError(null, null, null, reason)], false), innerException)
    {
        Errors = [new FactoryImportError(null, null, null, reason)];
    }

    /// <summary>What was wrong, in input order.</summary>
    public IReadOnlyList<FactoryImportError> Errors { get; }

    /// <summary>True when there were more errors than <see cref="Errors"/> holds.</summary>
    public bool MoreErrors { get; }

    private static string Describe(IReadOnlyList<FactoryImportError> errors, bool moreErrors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("An import error needs at least one reason.", nameof(errors));
        }
        var count = moreErrors ? $"more than {errors.Count.ToString(CultureInfo.InvariantCulture)} errors" : errors.Count == 1 ? "1 error" : $"{errors.Count.ToString(CultureInfo.InvariantCulture)} errors";
        return $"The factory-record import was refused ({count}); first: {errors[0]}";
    }
}
