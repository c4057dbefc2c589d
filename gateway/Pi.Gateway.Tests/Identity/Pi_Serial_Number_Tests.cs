using System.Text;
using Pi.Gateway.Identity;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.Identity;

/// <summary>The Pi's serial from fake /proc files.</summary>
public sealed class Pi_Serial_Number_Tests : IDisposable
{
    private const string CpuInfo = """
        processor	: 0
        BogoMIPS	: 108.00
        Features	: fp asimd evtstrm crc32 cpuid
        CPU implementer	: 0x41

        Hardware	: BCM2835
        Revision	: c03112
        Serial		: 10000000ABCDEF01
        Model		: Raspberry Pi 4 Model B Rev 1.2

        """;

    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DeviceTree => _dir.File("serial-number");

    private string CpuInfoPath => _dir.File("cpuinfo");

    [Fact]
    public async Task The_device_tree_serial_comes_first_without_its_nul()
    {
        await File.WriteAllBytesAsync(DeviceTree, Encoding.ASCII.GetBytes("00000000c0ffee42\0"));
        await File.WriteAllTextAsync(CpuInfoPath, CpuInfo);

        Assert.Equal("00000000c0ffee42", await Reader().ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_cpuinfo_serial_line_is_the_fallback_in_lower_case()
    {
        await File.WriteAllTextAsync(CpuInfoPath, CpuInfo);

        Assert.Equal("10000000abcdef01", await Reader().ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_all_zero_device_tree_serial_falls_back_to_cpuinfo()
    {
        await File.WriteAllBytesAsync(DeviceTree, Encoding.ASCII.GetBytes("0000000000000000\0"));
        await File.WriteAllTextAsync(CpuInfoPath, CpuInfo);

        Assert.Equal("10000000abcdef01", await Reader().ReadAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\n")]
    [InlineData("Serial\t\t: 0000000000000000\n")]
    [InlineData("Serial\t\t: not-a-serial\n")]
    [InlineData("Serial\t\t: 1234\n")]
    [InlineData("")]
    public async Task A_machine_without_a_usable_serial_has_none(string cpuInfo)
    {
        await File.WriteAllTextAsync(CpuInfoPath, cpuInfo);

        Assert.Null(await Reader().ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Missing_files_mean_no_serial()
    {
        Assert.Null(await Reader().ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_huge_cpuinfo_is_read_only_up_to_its_bound()
    {
        var padding = new StringBuilder();
        while (padding.Length < 1100 * 1024)
        {
            padding.Append("flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov\n");
        }
        await File.WriteAllTextAsync(CpuInfoPath, padding + "Serial\t\t: 10000000abcdef01\n");

        Assert.Null(await Reader().ReadAsync(CancellationToken.None));
    }

    private PiSerialNumber Reader() => new(DeviceTree, CpuInfoPath);
}
