using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Pi.Cloud.Testing;

/// <summary>
/// A PostgreSQL server for tests. <see cref="Shared"/> is the one of this test process: the server
/// named by the environment variable <c>PI_TEST_POSTGRES</c> (an admin connection string; .ci/run
/// sets it), or else a private throwaway server started from the local PostgreSQL installation
/// (loopback only, a free port, fsync off) and stopped when the process exits. Each test class or
/// test takes a fresh database from <see cref="CreateDatabaseAsync"/>, so tests run in parallel.
/// Without PostgreSQL the first use throws, and the tests that need it fail with the reason.
/// </summary>
public sealed class PostgresServer
{
    /// <summary>The environment variable holding an admin connection string of an existing server.</summary>
    public const string EnvironmentVariable = "PI_TEST_POSTGRES";

    private const string DatabasePrefix = "pi_test_";
    private const string DirectoryPrefix = "pi-test-pg-";

    private static readonly Lazy<PostgresServer> LazyShared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly NpgsqlDataSource _admin;

    private PostgresServer(string adminConnectionString, string description)
    {
        AdminConnectionString = adminConnectionString;
        Description = description;
        _admin = NpgsqlDataSource.Create(adminConnectionString);
    }

    /// <summary>The server of this test process, started on first use.</summary>
    public static PostgresServer Shared => LazyShared.Value;

    /// <summary>A connection string of a role that may create databases, on its maintenance database.</summary>
    public string AdminConnectionString { get; }

    /// <summary>Where the server came from, for messages.</summary>
    public string Description { get; }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var name = DatabasePrefix + Guid.NewGuid().ToString("N");
        try
        {
            await using var command = _admin.CreateCommand($"CREATE DATABASE \"{name}\"");
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException exception)
        {
            throw new InvalidOperationException($"Could not create a test database on {Description}: {exception.Message}", exception);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing what is still connected to it.</summary>
    public async Task DropDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        if (name is null || !name.StartsWith(DatabasePrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException("Not a database made by CreateDatabaseAsync.", nameof(connectionString));
        }

        await using var command = _admin.CreateCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static PostgresServer Start()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new PostgresServer(configured, $"the server in {EnvironmentVariable}");
        }

        var binaries = FindBinaries() ?? throw new InvalidOperationException(
            $"The PostgreSQL tests need a server and none is available: {EnvironmentVariable} is not set and no " +
            "/usr/lib/postgresql/*/bin/initdb exists. Run `bash .ci/run` (it installs PostgreSQL and starts one), " +
            $"or install postgresql (apt-get install postgresql), or set {EnvironmentVariable} to an admin connection string.");
        return PrivateServer.Start(binaries);
    }

    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(directory => (Directory: Path.Combine(directory, "bin"), Version: int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
            .Where(candidate => File.Exists(Path.Combine(candidate.Directory, "initdb")) && File.Exists(Path.Combine(candidate.Directory, "pg_ctl")))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Directory)
            .FirstOrDefault();
    }

    /// <summary>A server in a temporary directory, owned by this process.</summary>
    private static class PrivateServer
    {
        public static PostgresServer Start(string binaries)
        {
            // PostgreSQL refuses to run as root: as root, the server runs as the postgres user,
            // which must be able to reach its directory (root's own TMPDIR may be private).
            var asRoot = Environment.IsPrivilegedProcess;
            var tempRoot = asRoot ? "/tmp" : Path.GetTempPath();
            StopOrphans(binaries, tempRoot, asRoot);

            var directory = Path.Combine(tempRoot, $"{DirectoryPrefix}{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}");
            var data = Path.Combine(directory, "data");
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "owner.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            StartWatcher(Path.Combine(binaries, "pg_ctl"), directory, asRoot);
            var password = RandomNumberGenerator.GetHexString(32, lowercase: true);
            var passwordFile = Path.Combine(directory, "pwfile");
            File.WriteAllText(passwordFile, password + "\n");
            if (asRoot)
            {
                Run("chown", ["-R", "postgres:postgres", directory], asRoot: false);
            }

            Run(Path.Combine(binaries, "initdb"),
                ["-D", data, "-U", "postgres", "-A", "scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C", "--no-sync"],
                asRoot);
            File.Delete(passwordFile);

            var pgCtl = Path.Combine(binaries, "pg_ctl");
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var settings = $"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={directory} " +
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
                try
                {
                    Run(pgCtl, ["-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "-o", settings, "start"], asRoot);
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    continue; // most likely the port was taken between probing and binding
                }

                var connectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Password = password,
                    Database = "postgres",
                }.ConnectionString;
                return new PostgresServer(connectionString, $"a private server in {directory}");
            }
        }

        /// <summary>
        /// Stops the server when this process ends, however it ends: a detached shell blocks reading
        /// a pipe whose only writer is this process; the kernel closes it at exit (even a kill),
        /// and the shell then stops the postmaster of this data directory and deletes the directory.
        /// A ProcessExit handler would not do: the test runner kills its test host right after the run.
        /// </summary>
        private static void StartWatcher(string pgCtl, string directory, bool asRoot)
        {
            const string script =
                """
                exec >/dev/null 2>&1
                read -r _
                data="$2/data"
                if [ -f "$data/postmaster.pid" ]; then
                  if [ "$3" = root ]; then runuser -u postgres -- "$1" -D "$data" -m immediate -w stop; else "$1" -D "$data" -m immediate -w stop; fi
                fi
                rm -rf "$2"
                """;
            var start = new ProcessStartInfo
            {
                FileName = "setsid",
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])["sh", "-c", script, "pi-test-pg-watcher", pgCtl, directory, asRoot ? "root" : "user"])
            {
                start.ArgumentList.Add(argument);
            }

            // Kept for the life of the process: its standard input is the pipe the watcher waits on.
            Watcher = Process.Start(start) ?? throw new InvalidOperationException("Could not start the PostgreSQL watcher.");
        }

        private static Process? Watcher { get; set; }

        /// <summary>Servers left by test processes that died before their exit handler ran.</summary>
        private static void StopOrphans(string binaries, string tempRoot, bool asRoot)
        {
            foreach (var directory in Directory.GetDirectories(tempRoot, DirectoryPrefix + "*"))
            {
                var ownerFile = Path.Combine(directory, "owner.pid");
                if (!File.Exists(ownerFile)
                    || !int.TryParse(File.ReadAllText(ownerFile), NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                    || IsAlive(owner))
                {
                    continue;
                }

                Stop(Path.Combine(binaries, "pg_ctl"), directory, asRoot);
            }
        }

        private static bool IsAlive(int processId)
        {
            try
            {
                using var process = Process.GetProcessById(processId);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        private static void Stop(string pgCtl, string directory, bool asRoot)
        {
            var data = Path.Combine(directory, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                try
                {
                    // Stops the postmaster recorded in this data directory (its PID file), nothing else.
                    Run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"], asRoot);
                }
                catch (InvalidOperationException)
                {
                    // Already stopped.
                }
            }

            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private static void Run(string program, IReadOnlyList<string> arguments, bool asRoot)
        {
            var start = new ProcessStartInfo
            {
                FileName = asRoot ? "runuser" : program,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (asRoot)
            {
                foreach (var argument in (string[])["-u", "postgres", "--", program])
                {
                    start.ArgumentList.Add(argument);
                }
            }

            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{Path.GetFileName(program)} {arguments[^1]} exited with {process.ExitCode}: {error.Result.Trim()} {output.Result.Trim()}");
            }
        }
    }
}
