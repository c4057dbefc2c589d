using System.Net.NetworkInformation;
using Pi.Gateway.Wifi;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Hosting;

/// <summary>A radio for the runner's tests: one router with a password, AP on/off, a record of calls.</summary>
internal sealed class FakeRadio(string ssid, string password) : IWifiRadio
{
    private readonly Lock _gate = new();
    private string? _joined;

    public PhysicalAddress MacAddress { get; } = PhysicalAddress.Parse("B8-27-EB-A1-B2-C3");

    public bool AccessPointOn { get; private set; }

    public List<string> Calls { get; } = [];

    public Task<IReadOnlyList<SsidEntry>> ScanAsync(CancellationToken cancellationToken)
    {
        Record("scan");
        if (AccessPointOn)
        {
            throw new WifiException("cannot scan in AP mode");
        }
        return Task.FromResult<IReadOnlyList<SsidEntry>>([new SsidEntry(ssid, -48, WifiSecurity.Wpa2Psk), new SsidEntry("neighbour", -80, WifiSecurity.Wpa2Psk)]);
    }

    public Task StartAccessPointAsync(AccessPointSettings settings, CancellationToken cancellationToken)
    {
        Record("ap-on " + settings.Ssid);
        AccessPointOn = true;
        return Task.CompletedTask;
    }

    public Task StopAccessPointAsync(CancellationToken cancellationToken)
    {
        Record("ap-off");
        AccessPointOn = false;
        return Task.CompletedTask;
    }

    public Task<JoinResult> JoinAsync(string joinSsid, string joinPassword, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Record("join " + joinSsid);
        if (joinSsid != ssid)
        {
            return Task.FromResult(JoinResult.Failed(WifiFailure.NetworkNotFound));
        }
        if (joinPassword != password)
        {
            return Task.FromResult(JoinResult.Failed(WifiFailure.WrongPassword));
        }
        lock (_gate)
        {
            _joined = joinSsid;
        }
        return Task.FromResult(JoinResult.Success("192.168.1.77"));
    }

    public Task ForgetAsync(CancellationToken cancellationToken)
    {
        Record("forget");
        lock (_gate)
        {
            _joined = null;
        }
        return Task.CompletedTask;
    }

    public Task<StationStatus> GetStationStatusAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(new StationStatus(_joined is not null, _joined, _joined is null ? null : "192.168.1.77", _joined is null ? null : -48));
        }
    }

    private void Record(string call)
    {
        lock (_gate)
        {
            Calls.Add(call);
        }
    }
}
