using Microsoft.Extensions.Configuration;
using Pi.Gateway.Bridge.Queue;
using Pi.Gateway.State;

namespace Pi.Gateway.Tests.Bridge.Queue;

/// <summary>Section Bridge:Queue binds (source-generated binder) with the documented defaults.</summary>
public sealed class Up_Queue_Options_Tests
{
    [Fact]
    public void Defaults_put_the_queue_under_the_data_directory()
    {
        var options = new UpQueueOptions();
        UpQueueHostingExtensions.Bind(new ConfigurationBuilder().Build(), new StateOptions { DataDirectory = "/var/lib/pi-gateway" }, options);
        Assert.Equal("/var/lib/pi-gateway/queue", options.Directory);
        Assert.Equal(100_000, options.MaxItems);
        Assert.Equal(64L * 1024 * 1024, options.MaxBytes);
        Assert.Equal((64 * 1024) + 1024, options.MaxRecordSize);
        Assert.Equal(TimeSpan.FromSeconds(1), options.SyncInterval);
        Assert.Equal(4 * 1024 * 1024, options.SegmentSize);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void The_section_overrides_the_defaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bridge:Queue:Directory"] = "/tmp/q",
            ["Bridge:Queue:MaxItems"] = "10",
            ["Bridge:Queue:MaxBytes"] = "1048576",
            ["Bridge:Queue:SyncInterval"] = "00:00:00",
            ["Bridge:Queue:SegmentSize"] = "131072",
        }).Build();
        var options = new UpQueueOptions();
        UpQueueHostingExtensions.Bind(configuration, new StateOptions(), options);
        Assert.Equal("/tmp/q", options.Directory);
        Assert.Equal(10, options.MaxItems);
        Assert.Equal(1_048_576, options.MaxBytes);
        Assert.Equal(TimeSpan.Zero, options.SyncInterval);
        Assert.Equal(131_072, options.SegmentSize);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Impossible_limits_are_reported()
    {
        var options = new UpQueueOptions { Directory = "relative", MaxItems = 0, MaxRecordSize = 70_000, SegmentSize = 65_536, SyncInterval = TimeSpan.FromSeconds(-1) };
        var errors = options.Validate();
        Assert.Contains(errors, e => e.Contains("Directory", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("MaxItems", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("SegmentSize", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("SyncInterval", StringComparison.Ordinal));
    }
}
