using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pi.App.Cloud;

namespace Pi.App.Commands;

/// <summary>
/// <c>signup</c>, <c>login</c> and <c>logout</c>: an account on the cloud and the session the
/// other cloud commands use (the token is kept in the session file, never printed).
/// </summary>
internal static class AccountCommands
{
    public static Command Signup(CliContext io) => Create(io, "signup", "Create an account on the cloud, then log in (the session is kept in the config directory)", signup: true);

    public static Command Login(CliContext io) => Create(io, "login", "Log in to the cloud; the token, the cloud URL, the trusted fingerprint and the login's nonce are kept in the config directory", signup: false);

    public static Command Logout(CliContext io)
    {
        var configDir = CloudOptions.ConfigDir();
        var json = CloudOptions.Json();
        var command = new Command("logout", "End the session on the cloud and delete the session file") { configDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var store = new SessionStore(parse.GetValue(configDir));
            var session = store.TryLoad();
            if (session is null)
            {
                io.WriteNote("not logged in");
                Write(io, parse.GetValue(json), new LogoutOutput(false, null, false), "not logged in");
                return Cli.Success;
            }
            io.AddSecret(session.Token);
            var reached = true;
            try
            {
                using var api = new CloudApi(new Uri(session.Cloud), session.Trust, session.Token, CloudOptions.Timeout);
                await api.SendAsync(HttpMethod.Delete, "/api/sessions/current", cancellationToken).ConfigureAwait(false);
            }
            catch (CloudException ex) when (ex.ExitCode == Cli.NotAuthorized)
            {
                // The token had already expired: nothing left to end on the cloud.
            }
            catch (CloudException ex)
            {
                reached = false;
                io.WriteWarning($"the cloud was not told ({ex.Message}); the token stays valid there until it expires");
            }
            store.Delete();
            Write(io, parse.GetValue(json), new LogoutOutput(true, session.Cloud, reached), $"logged out of {session.Cloud}");
            return Cli.Success;
        });
        return command;
    }

    private static Command Create(CliContext io, string name, string description, bool signup)
    {
        var cloud = new Option<string>("--cloud") { Description = "the cloud's URL, https://host:port (login: default the last session's)", Required = signup };
        var email = new Option<string>("--email") { Description = "the account's email address", Required = true };
        var password = new Option<string>("--password")
        {
            Description = "the password (10..256 characters); without it the first line of standard input is read (a prompt without echo on a terminal)",
        };
        var trust = new Option<string>("--trust")
        {
            Description = "trust the cloud's certificate by its SHA-256 fingerprint (64 hex digits; a development certificate); kept in the session",
        };
        var configDir = CloudOptions.ConfigDir();
        var json = CloudOptions.Json();
        var command = new Command(name, description) { cloud, email, password, trust, configDir, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var store = new SessionStore(parse.GetValue(configDir));
            var previous = TryLoadQuietly(store);
            var cloudText = parse.GetValue(cloud) ?? previous?.Cloud
                ?? throw new UsageException("--cloud is required (there is no earlier session to take it from)");
            var cloudUri = CloudApi.ParseCloudUrl(cloudText);
            var trustText = parse.GetValue(trust) is { } given
                ? CloudApi.NormalizeFingerprint(given)
                : previous is not null && new Uri(previous.Cloud) == cloudUri ? previous.Trust : null;
            var emailText = parse.GetRequiredValue(email).Trim();
            var passwordText = parse.GetValue(password) ?? ReadPassword(io);
            io.AddSecret(passwordText);

            using var api = new CloudApi(cloudUri, trustText, null, CloudOptions.Timeout);
            var credentials = new CredentialsDto(emailText, passwordText);
            if (signup)
            {
                await api.SendAsync(HttpMethod.Post, "/api/accounts", credentials, AppJson.Default.CredentialsDto, AppJson.Default.JsonElement, cancellationToken).ConfigureAwait(false);
                io.WriteNote($"account {emailText} created");
            }
            var login = await api.SendAsync(HttpMethod.Post, "/api/sessions", credentials, AppJson.Default.CredentialsDto, AppJson.Default.LoginDto, cancellationToken).ConfigureAwait(false);
            io.AddSecret(login.Token);
            store.Save(new SessionFile(cloudUri.ToString(), emailText, login.Token, login.ExpiresAt, Convert.ToBase64String(login.Nonce), trustText));
            var output = new SessionOutput(cloudUri.ToString(), emailText, login.ExpiresAt, trustText);
            Write(io, parse.GetValue(json), output,
                $"logged in to {cloudUri} as {emailText} until {login.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}");
            return Cli.Success;
        });
        return command;
    }

    private static SessionFile? TryLoadQuietly(SessionStore store)
    {
        try
        {
            return store.TryLoad();
        }
        catch (CloudException)
        {
            return null;
        }
    }

    /// <summary>The password from standard input: hidden typing on a terminal, else its first line.</summary>
    private static string ReadPassword(CliContext io)
    {
        string? line;
        if (ReferenceEquals(io.In, Console.In) && !Console.IsInputRedirected)
        {
            io.WritePrompt("password: ");
            var builder = new StringBuilder();
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter)
                {
                    break;
                }
                if (key.Key == ConsoleKey.Backspace)
                {
                    builder.Length = Math.Max(0, builder.Length - 1);
                }
                else if (!char.IsControl(key.KeyChar))
                {
                    builder.Append(key.KeyChar);
                }
            }
            io.WritePrompt(Environment.NewLine);
            line = builder.ToString();
        }
        else
        {
            line = io.In.ReadLine();
        }
        return string.IsNullOrEmpty(line)
            ? throw new UsageException("no password: give --password, or the password as the first line of standard input")
            : line;
    }

    private static void Write<T>(CliContext io, bool json, T value, string text)
    {
        io.Out.WriteLine(json ? JsonSerializer.Serialize(value, typeof(T), AppJson.Default) : text);
    }
}
