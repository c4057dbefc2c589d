using System.Text.Json;

namespace Pi.App.Cloud;

/// <summary>
/// The logged-in session: <c>session.json</c> in <c>$XDG_CONFIG_HOME/pi-app</c> (or
/// <c>~/.config/pi-app</c>, or <c>--config-dir</c>). Written atomically (a temp file renamed over
/// the old one), created with mode 0600 in a 0700 directory: it holds the bearer token.
/// </summary>
internal sealed class SessionStore
{
    public const string FileName = "session.json";

    public SessionStore(string? configDir)
    {
        Directory = configDir ?? DefaultDirectory();
    }

    /// <summary>The directory that holds <see cref="FileName"/>.</summary>
    public string Directory { get; }

    public string FilePath => Path.Combine(Directory, FileName);

    public static string DefaultDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(root, "pi-app");
    }

    /// <summary>The stored session, or null when there is none.</summary>
    public SessionFile? TryLoad()
    {
        string text;
        try
        {
            text = File.ReadAllText(FilePath);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException ex)
        {
            throw new CloudException(Cli.NotAuthorized, $"cannot read {FilePath}: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CloudException(Cli.NotAuthorized, $"cannot read {FilePath}: {ex.Message}", ex);
        }
        try
        {
            var session = JsonSerializer.Deserialize(text, AppJson.Default.SessionFile);
            return session is { Cloud.Length: > 0, Token.Length: > 0 } ? session : throw new JsonException("incomplete");
        }
        catch (JsonException ex)
        {
            throw new CloudException(Cli.NotAuthorized, $"{FilePath} is damaged; log in again (pi-app login)", ex);
        }
    }

    /// <summary>The stored session; exit 4 when not logged in.</summary>
    public SessionFile Load() => TryLoad()
        ?? throw new CloudException(Cli.NotAuthorized, "not logged in: run pi-app login --cloud https://host:port --email E");

    public void Save(SessionFile session)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var temp = Path.Combine(Directory, $".{FileName}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                JsonSerializer.Serialize(stream, session, AppJson.Default.SessionFile);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, FilePath, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Deletes the session file; true when there was one.</summary>
    public bool Delete()
    {
        if (!File.Exists(FilePath))
        {
            return false;
        }
        File.Delete(FilePath);
        return true;
    }
}
