using System.Runtime.InteropServices;

namespace Pi.Hil.Processes;

/// <summary>The few libc calls the rig needs: signals by PID, and entering a network namespace on one thread.</summary>
internal static partial class Native
{
    public const int SigTerm = 15;
    public const int SigKill = 9;
    public const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();
}
