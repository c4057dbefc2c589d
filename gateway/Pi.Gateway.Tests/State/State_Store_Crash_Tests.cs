using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Pi.Gateway.State;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.State;

/// <summary>The gateway dies part way through saving; the next start finds the old or the new state, never a corrupt one.</summary>
[SupportedOSPlatform("linux")]
public sealed class State_Store_Crash_Tests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    public static TheoryData<AtomicWriteStep> Steps => [.. Enum.GetValues<AtomicWriteStep>()];

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_registration_save_that_dies_leaves_the_old_or_the_new_registration(AtomicWriteStep step)
    {
        var crashing = _harness.Start(CrashingWriter.AtWrite(2, step));
        await crashing.SaveRegistrationAsync(Samples.Registration("gw-old"), CancellationToken.None);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => crashing.SaveRegistrationAsync(Samples.Registration("gw-new"), CancellationToken.None));

        var load = await _harness.Start().LoadRegistrationAsync(CancellationToken.None);

        Assert.Equal(StateFileStatus.Loaded, load.Status);
        Assert.Equal(step >= AtomicWriteStep.Renamed ? "gw-new" : "gw-old", load.Value!.Tid);
        Assert.Equal(["registration.json"], _harness.FileNames());
        Assert.Equal(step < AtomicWriteStep.Renamed ? 1 : 0, _harness.Log.Entries.Count(e => e.EventId.Id == 2102));
        Assert.DoesNotContain(_harness.Log.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_first_start_that_dies_while_making_the_identity_leaves_none_or_a_whole_one(AtomicWriteStep step)
    {
        await Assert.ThrowsAsync<SimulatedCrashException>(() =>
            _harness.Start(CrashingWriter.At(step)).LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None));
        var persisted = File.Exists(_harness.File("identity.json"));

        var identity = await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None);

        Assert.Equal(step >= AtomicWriteStep.Renamed, persisted);
        Assert.Equal(identity, await _harness.Start().LoadOrCreateIdentityAsync(StoreHarness.InterfaceMac, null, CancellationToken.None));
        Assert.Equal(["identity.json"], _harness.FileNames());
        Assert.DoesNotContain(_harness.Log.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Sub_device_and_flag_saves_that_die_leave_whole_files(AtomicWriteStep step)
    {
        var crashing = _harness.Start(CrashingWriter.AtWrite(3, step));
        await crashing.SaveSubDevicesAsync(Samples.SubDevices.Take(1).ToList(), CancellationToken.None);
        await crashing.SaveResetFlagAsync(false, CancellationToken.None);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => crashing.SaveSubDevicesAsync(Samples.SubDevices, CancellationToken.None));

        var next = _harness.Start();
        var subDevices = await next.LoadSubDevicesAsync(CancellationToken.None);

        Assert.Equal(StateFileStatus.Loaded, subDevices.Status);
        Assert.Equal(step >= AtomicWriteStep.Renamed ? 2 : 1, subDevices.Value!.Count);
        Assert.False(await next.LoadResetFlagAsync(CancellationToken.None));
        Assert.Equal(["flags.json", "subdevices.json"], _harness.FileNames());
    }

    [Fact]
    public async Task The_directory_lock_admits_one_holder_at_a_time()
    {
        Directory.CreateDirectory(_harness.DataDirectory);
        var first = await DirectoryLock.AcquireAsync(_harness.DataDirectory, CancellationToken.None);

        var second = DirectoryLock.AcquireAsync(_harness.DataDirectory, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task Waiting_for_the_directory_lock_can_be_cancelled()
    {
        Directory.CreateDirectory(_harness.DataDirectory);
        using var held = await DirectoryLock.AcquireAsync(_harness.DataDirectory, CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DirectoryLock.AcquireAsync(_harness.DataDirectory, cts.Token));
    }
}
