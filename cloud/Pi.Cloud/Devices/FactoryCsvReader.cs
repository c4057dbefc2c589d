using System.Text;

namespace Pi.Cloud.Devices;

/// <summary>
/// Splits RFC 4180 text into records: comma-separated fields, fields in double quotes may hold
/// commas, line breaks and doubled quotes; records end with CRLF, LF or a lone CR. Knows nothing of
/// factory records; <see cref="FactoryRecordImport"/> gives the fields their meaning.
/// </summary>
internal sealed class FactoryCsvReader(string text)
{
    private int _position;
    private int _line = 1;

    /// <summary>One record: the line it starts on, its fields, and whether it is an empty line.</summary>
    internal readonly record struct Record(int Line, IReadOnlyList<string> Fields, bool IsBlank);

    /// <summary>
    /// Reads the next record. False at the end of the text, or with <paramref name="error"/> set (and
    /// the reader unusable) when the text is not RFC 4180 there.
    /// </summary>
    public bool TryRead(out Record record, out FactoryImportError? error)
    {
        record = default;
        error = null;
        if (_position >= text.Length)
        {
            return false;
        }
        var start = _line;
        var fields = new List<string>();
        var quotedAny = false;
        while (true)
        {
            string field;
            if (text[_position] == '"')
            {
                quotedAny = true;
                if (!TryReadQuoted(out field, out error))
                {
                    return false;
                }
            }
            else if (!TryReadPlain(out field, out error))
            {
                return false;
            }
            fields.Add(field);
            if (_position < text.Length && text[_position] == ',')
            {
                _position++;
                if (_position == text.Length)
                {
                    fields.Add("");
                }
                else
                {
                    continue;
                }
            }
            EndLine();
            record = new Record(start, fields, !quotedAny && fields is [{ Length: 0 }]);
            return true;
        }
    }

    private bool TryReadQuoted(out string field, out FactoryImportError? error)
    {
        var opened = _line;
        var value = new StringBuilder();
        _position++;
        while (true)
        {
            if (_position >= text.Length)
            {
                field = "";
                error = new FactoryImportError(opened, null, null, "a quoted field is not closed");
                _position = text.Length;
                return false;
            }
            var c = text[_position];
            if (c == '"')
            {
                if (_position + 1 < text.Length && text[_position + 1] == '"')
                {
                    value.Append('"');
                    _position += 2;
                    continue;
                }
                _position++;
                break;
            }
            CountLineBreak(c);
            value.Append(c);
            _position++;
        }
        if (_position < text.Length && text[_position] is not (',' or '\r' or '\n'))
        {
            field = "";
            error = new FactoryImportError(_line, null, null, "a closing quote must be followed by a comma or the end of the line");
            _position = text.Length;
            return false;
        }
        field = value.ToString();
        error = null;
        return true;
    }

    private bool TryReadPlain(out string field, out FactoryImportError? error)
    {
        var begin = _position;
        while (_position < text.Length && text[_position] is not (',' or '\r' or '\n'))
        {
            if (text[_position] == '"')
            {
                field = "";
                error = new FactoryImportError(_line, null, null, "a quote inside an unquoted field (quote the whole field and double the quote)");
                _position = text.Length;
                return false;
            }
            _position++;
        }
        field = text[begin.._position];
        error = null;
        return true;
    }

    private void EndLine()
    {
        if (_position < text.Length && text[_position] == '\r')
        {
            _position++;
            if (_position < text.Length && text[_position] == '\n')
            {
                _position++;
            }
            _line++;
        }
        else if (_position < text.Length && text[_position] == '\n')
        {
            _position++;
            _line++;
        }
    }

    // Inside quotes: CRLF is one break, and so are a lone LF and a lone CR.
    private void CountLineBreak(char c)
    {
        if (c == '\n' || (c == '\r' && (_position + 1 >= text.Length || text[_position + 1] != '\n')))
        {
            _line++;
        }
    }
}
