namespace Pi.App.Walkthrough;

/// <summary>
/// The seed's own step labels, in the order the walkthrough prints them. H steps are embodiment 1's
/// flow, S steps the method claims (see shared/design/seed-digest.md). "S12/H4" is spelled as the seed
/// spells it.
/// </summary>
internal static class SeedSteps
{
    public const string KeyPairs = "H10";
    public const string SoftAp = "H20";
    public const string Search = "S11/H30";
    public const string OpenSearch = "S12/H4";
    public const string DeviceInfo = "S13";
    public const string OpenDeviceInfo = "S2/H50";
    public const string SsidList = "S3/H60";
    public const string WifiCredentials = "S4/H70";
    public const string StartTls = "H80";
    public const string RegisterRequest = "H90/S101";
    public const string Register = "S102/H100";
    public const string DeliverRegistration = "S103/H110";
    public const string StoreRegistration = "S104/H120";
    public const string Bind = "E2 bind";
    public const string Login = "S200/H130";
    public const string Authenticate = "S301-S302/H140";
    public const string SessionKey = "S401/H150";
    public const string Session = "S402/H160";
    public const string SubDevice = "S500";
    public const string Reset = "E2 reset";
    public const string Logout = "S403";

    /// <summary>Every seed label the walkthrough must show (E2 marks embodiment 2's unnumbered steps).</summary>
    public static readonly string[] All =
    [
        KeyPairs, SoftAp, Search, OpenSearch, DeviceInfo, OpenDeviceInfo, SsidList, WifiCredentials, StartTls,
        RegisterRequest, Register, DeliverRegistration, StoreRegistration, Login, Authenticate, SessionKey,
        Session, SubDevice, Logout,
    ];
}
