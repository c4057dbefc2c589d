namespace Pi.Protocol.Framing;

/// <summary>Provisioning frame types (the header's type byte).</summary>
public enum ProvisioningFrameType : byte
{
    /// <summary>APP broadcast on UDP port1, sealed with the searchkey.</summary>
    SearchDevice = 1,
    /// <summary>Gateway broadcast to UDP port2, sealed with the agreekey.</summary>
    DeviceInfo = 2,
    /// <summary>APP asks for the SSID list (optionally a fresh scan) on TCP port3.</summary>
    GetSsidList = 3,
    /// <summary>Gateway sends the routers it can see.</summary>
    SsidList = 4,
    /// <summary>APP sends the chosen SSID and its password.</summary>
    WifiCredentials = 5,
    /// <summary>Gateway reports whether it joined the router.</summary>
    WifiResult = 6,
    /// <summary>APP delivers tid, password, accesskey and localkey from the cloud.</summary>
    RegistrationInfo = 7,
    /// <summary>Gateway confirms the registration info is stored.</summary>
    RegistrationAck = 8,
    /// <summary>Either side reports an error with a stable code.</summary>
    Error = 9,

    /// <summary>Sub-device onboarding: APP → sub-device, its did, localkey and broker.</summary>
    SubDeviceInfo = 10,

    /// <summary>Sub-device onboarding: sub-device → APP, the info was stored.</summary>
    SubDeviceAck = 11,
}

/// <summary>Header flag bits. Bits not defined here must be zero.</summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The header field is called flags in the seed and the spec.")]
public enum ProvisioningFrameFlags : byte
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>The sender derived its keys in open mode (empty salt, no setup code).</summary>
    OpenMode = 0x01,
}

/// <summary>How provisioning frames travel.</summary>
public enum ProvisioningTransport
{
    /// <summary>One frame per UDP datagram (searchDevice, deviceInfo).</summary>
    Datagram,
    /// <summary>Frames on a TCP stream, each preceded by its length (4 bytes, big-endian).</summary>
    Stream,
}
