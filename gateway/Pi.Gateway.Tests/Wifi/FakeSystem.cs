using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Commands;

namespace Pi.Gateway.Tests.Wifi;

/// <summary>
/// A scripted Linux for the radios: answers the tools they run (ip, iw, hostapd, hostapd_cli,
/// dnsmasq, wpa_supplicant, wpa_cli, dhclient, nmcli, ps, kill) from settable outputs, keeps a
/// table of the daemons "running" (pid files written where the real ones would write them), and
/// records every command. Each command moves the fake clock by <see cref="CommandCost"/>, which is
/// how the radios' deadlines pass without waiting.
/// </summary>
internal sealed class FakeSystem : ICommandRunner
{
    private readonly Dictionary<int, string> _running = [];
    private readonly List<(string Program, string Match, Func<Command, CommandResult> Respond)> _overrides = [];
    private readonly Lock _lock = new();
    private int _nextPid = 4000;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public TimeSpan CommandCost { get; set; } = TimeSpan.FromMilliseconds(500);

    public List<Command> Calls { get; } = [];

    public IEnumerable<string> CallLines => Calls.Select(c => c.ToString());

    public string IwScan { get; set; } = string.Empty;

    public string HostapdState { get; set; } = "ENABLED";

    /// <summary>wpa_cli status answers, one per poll; the last repeats.</summary>
    public List<string> WpaStates { get; } = ["SCANNING"];

    public string WpaSsid { get; set; } = "Home";

    public string ListNetworksFlags { get; set; } = string.Empty;

    /// <summary>Lines appended to wpa_supplicant's log file (-f) on a given status poll (1-based).</summary>
    public Dictionary<int, string> WpaLogAt { get; } = [];

    public string? Ip { get; set; }

    /// <summary>The address the DHCP client brings; null for none (the client fails).</summary>
    public string? DhcpIp { get; set; } = "192.168.1.20";

    public int WpaStatusPolls { get; private set; }

    public IReadOnlyDictionary<int, string> Running
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<int, string>(_running);
            }
        }
    }

    public FakeSystem On(string program, string match, Func<Command, CommandResult> respond)
    {
        _overrides.Add((program, match, respond));
        return this;
    }

    public static WifiOptions Options(string runtimeDirectory) => new()
    {
        Interface = "wlan0",
        RuntimeDirectory = System.IO.Path.Combine(runtimeDirectory, "run"),
        StationConfigPath = System.IO.Path.Combine(runtimeDirectory, "etc", "wpa_supplicant-wlan0.conf"),
        NetworkManagerConfPath = System.IO.Path.Combine(runtimeDirectory, "nm", "99-pi-gateway-unmanaged.conf"),
        MacAddress = "b8:27:eb:12:34:56",
        PollInterval = TimeSpan.Zero,
        AccessPointStartTimeout = TimeSpan.FromSeconds(5),
    };

    public int Start(string name, string? pidFile)
    {
        lock (_lock)
        {
            var pid = _nextPid++;
            _running[pid] = name;
            if (pidFile is not null)
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(pidFile)!);
                File.WriteAllText(pidFile, pid.ToString(CultureInfo.InvariantCulture) + "\n");
            }
            return pid;
        }
    }

    public Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            Calls.Add(command);
        }
        Time.Advance(CommandCost);
        var line = string.Join(' ', command.Arguments);
        for (var i = _overrides.Count - 1; i >= 0; i--)
        {
            var (program, match, respond) = _overrides[i];
            if (program == command.Program && line.Contains(match, StringComparison.Ordinal))
            {
                return Task.FromResult(respond(command));
            }
        }
        return Task.FromResult(Default(command, line));
    }

    private CommandResult Default(Command command, string line)
    {
        var args = command.Arguments;
        switch (command.Program)
        {
            case "iw":
                return CommandResult.Ok(IwScan);
            case "hostapd":
                Start("hostapd", After(args, "-P"));
                return CommandResult.Ok();
            case "hostapd_cli":
                return CommandResult.Ok($"state={HostapdState}\nchannel=6\nbss[0]=wlan0\nssid[0]=x\nnum_sta[0]=0\n");
            case "dnsmasq":
                {
                    var conf = File.ReadAllLines(After(args, "-C")!);
                    Start("dnsmasq", conf.First(l => l.StartsWith("pid-file=", StringComparison.Ordinal))["pid-file=".Length..]);
                    return CommandResult.Ok();
                }
            case "wpa_supplicant":
                Start("wpa_supplicant", After(args, "-P"));
                return CommandResult.Ok();
            case "wpa_cli":
                return WpaCli(args[^1], args);
            case "dhclient" when args.Contains("-x"):
                return CommandResult.Ok();
            case "dhclient":
            case "dhcpcd":
                if (DhcpIp is null)
                {
                    return CommandResult.Fail(2, "no lease");
                }
                Ip = DhcpIp;
                Start(command.Program, After(args, "-pf"));
                return CommandResult.Ok();
            case "ip" when line.StartsWith("-o -4 addr show", StringComparison.Ordinal):
                return CommandResult.Ok(Ip is null ? string.Empty : $"3: wlan0    inet {Ip}/24 brd 192.168.1.255 scope global wlan0\\       valid_lft forever preferred_lft forever\n");
            case "ps":
                lock (_lock)
                {
                    return _running.TryGetValue(int.Parse(args[^1], CultureInfo.InvariantCulture), out var name)
                        ? CommandResult.Ok(name + "\n")
                        : CommandResult.Fail(1);
                }
            case "kill":
                lock (_lock)
                {
                    return _running.Remove(int.Parse(args[^1], CultureInfo.InvariantCulture)) ? CommandResult.Ok() : CommandResult.Fail(1, "no such process");
                }
            default:
                return CommandResult.Ok();
        }
    }

    private CommandResult WpaCli(string request, IReadOnlyList<string> args)
    {
        switch (request)
        {
            case "status":
                {
                    var poll = ++WpaStatusPolls;
                    if (WpaLogAt.TryGetValue(poll, out var logLine))
                    {
                        var log = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(After(args, "-p")!)!, "wpa_supplicant.log");
                        File.AppendAllText(log, logLine + "\n");
                    }
                    var state = WpaStates[Math.Min(poll, WpaStates.Count) - 1];
                    var ssid = state is "COMPLETED" or "4WAY_HANDSHAKE" or "ASSOCIATED" ? $"bssid=00:11:22:33:44:55\nssid={WpaSsid}\nid=0\n" : string.Empty;
                    return CommandResult.Ok($"{ssid}wpa_state={state}\naddress=b8:27:eb:12:34:56\n");
                }
            case "list_networks":
                return CommandResult.Ok($"network id / ssid / bssid / flags\n0\t{WpaSsid}\tany\t{ListNetworksFlags}\n");
            case "signal_poll":
                return CommandResult.Ok("RSSI=-52\nLINKSPEED=72\nNOISE=9999\nFREQUENCY=2412\n");
            default:
                return CommandResult.Ok("OK\n");
        }
    }

    private static string? After(IReadOnlyList<string> args, string flag)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] == flag)
            {
                return args[i + 1];
            }
        }
        return null;
    }
}
