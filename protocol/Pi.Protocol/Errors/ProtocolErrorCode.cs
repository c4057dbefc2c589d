using System.Text.Json.Serialization;

namespace Pi.Protocol.Errors;

/// <summary>
/// Stable error codes of the Pi Gateway protocol. The numbers and the snake_case names are part of
/// the public contract (docs/protocol.md, "Error codes"): never renumber or rename a member.
/// </summary>
[JsonConverter(typeof(Messages.StrictEnumConverter<ProtocolErrorCode>))]
public enum ProtocolErrorCode
{
    // 1xx: framing. The bytes are not a well-formed frame or envelope.

    /// <summary>Fewer bytes than the structure needs.</summary>
    [JsonStringEnumMemberName("truncated")] Truncated = 100,
    /// <summary>The magic bytes are not those of this structure.</summary>
    [JsonStringEnumMemberName("bad_magic")] BadMagic = 101,
    /// <summary>The version byte names a version this implementation does not speak.</summary>
    [JsonStringEnumMemberName("unsupported_version")] UnsupportedVersion = 102,
    /// <summary>The frame type is not defined.</summary>
    [JsonStringEnumMemberName("unknown_frame_type")] UnknownFrameType = 103,
    /// <summary>A flag bit that is reserved in this version is set.</summary>
    [JsonStringEnumMemberName("reserved_flags")] ReservedFlags = 104,
    /// <summary>A length field disagrees with the bytes present or with the structure's rules.</summary>
    [JsonStringEnumMemberName("length_mismatch")] LengthMismatch = 105,
    /// <summary>The frame or envelope is larger than the receiver allows.</summary>
    [JsonStringEnumMemberName("frame_too_large")] FrameTooLarge = 106,
    /// <summary>A public key is not a valid uncompressed P-256 point.</summary>
    [JsonStringEnumMemberName("invalid_public_key")] InvalidPublicKey = 107,
    /// <summary>A tid or did is empty where required, too long, or has characters outside [A-Za-z0-9_-].</summary>
    [JsonStringEnumMemberName("invalid_id")] InvalidId = 108,
    /// <summary>A well-formed frame that this party does not accept here (wrong sender, type or direction).</summary>
    [JsonStringEnumMemberName("unexpected_frame")] UnexpectedFrame = 109,
    /// <summary>A stream decoder already failed; the connection cannot be resynchronised.</summary>
    [JsonStringEnumMemberName("stream_faulted")] StreamFaulted = 110,
    /// <summary>Text that should be hex or Base64 is not.</summary>
    [JsonStringEnumMemberName("invalid_encoding")] InvalidEncoding = 111,

    // 2xx: cryptography.

    /// <summary>The AEAD tag does not verify: tampered bytes or the wrong key.</summary>
    [JsonStringEnumMemberName("authentication_failed")] AuthenticationFailed = 200,
    /// <summary>The counter was already accepted, or is older than the replay window.</summary>
    [JsonStringEnumMemberName("replayed")] Replayed = 201,
    /// <summary>The key has sealed its last counter: a new key is needed.</summary>
    [JsonStringEnumMemberName("counter_exhausted")] CounterExhausted = 202,
    /// <summary>The sealer reached the counter limit its owner reserved; reserve more and retry.</summary>
    [JsonStringEnumMemberName("counter_limit_reached")] CounterLimitReached = 203,
    /// <summary>The key id in the header is not the key this receiver holds.</summary>
    [JsonStringEnumMemberName("key_id_mismatch")] KeyIdMismatch = 204,
    /// <summary>Key material of the wrong size or form.</summary>
    [JsonStringEnumMemberName("invalid_key")] InvalidKey = 205,
    /// <summary>The direction byte is not the one this receiver expects (for example a reflected packet).</summary>
    [JsonStringEnumMemberName("wrong_direction")] WrongDirection = 206,
    /// <summary>The tid or did in the header is not the one this receiver expects.</summary>
    [JsonStringEnumMemberName("id_mismatch")] IdMismatch = 207,
    /// <summary>A seed-cbc ciphertext that does not decrypt to padded UTF-8 text.</summary>
    [JsonStringEnumMemberName("decrypt_failed")] DecryptFailed = 208,
    /// <summary>A setup code of the wrong length, alphabet or check character.</summary>
    [JsonStringEnumMemberName("invalid_setup_code")] InvalidSetupCode = 209,
    /// <summary>One side uses open mode and the other a setup code.</summary>
    [JsonStringEnumMemberName("security_mode_mismatch")] SecurityModeMismatch = 210,

    // 3xx: messages. The plaintext is not a valid message.

    /// <summary>The plaintext is not valid UTF-8 JSON of the expected shape.</summary>
    [JsonStringEnumMemberName("malformed_json")] MalformedJson = 300,
    /// <summary>A required field is absent or null.</summary>
    [JsonStringEnumMemberName("missing_field")] MissingField = 301,
    /// <summary>A field is present but its value is out of range or of the wrong form.</summary>
    [JsonStringEnumMemberName("invalid_field")] InvalidField = 302,
    /// <summary>A valid message that is not expected at this point of the exchange.</summary>
    [JsonStringEnumMemberName("unexpected_message")] UnexpectedMessage = 303,

    // 4xx: application outcomes carried in error messages between parties.

    /// <summary>Another APP is already provisioning this gateway.</summary>
    [JsonStringEnumMemberName("busy")] Busy = 400,
    /// <summary>No device with that tid, did or MAC is known.</summary>
    [JsonStringEnumMemberName("unknown_device")] UnknownDevice = 401,
    /// <summary>Account and password do not match.</summary>
    [JsonStringEnumMemberName("bad_credentials")] BadCredentials = 402,
    /// <summary>The binding hash does not match the device's verification code and this login's nonce.</summary>
    [JsonStringEnumMemberName("bad_hash")] BadHash = 403,
    /// <summary>The gateway is bound to another user.</summary>
    [JsonStringEnumMemberName("already_bound")] AlreadyBound = 404,
    /// <summary>The caller does not own the gateway or sub-device.</summary>
    [JsonStringEnumMemberName("not_owner")] NotOwner = 405,
    /// <summary>The session or login challenge is unknown, used or expired.</summary>
    [JsonStringEnumMemberName("session_expired")] SessionExpired = 406,
    /// <summary>No reply arrived in time.</summary>
    [JsonStringEnumMemberName("timeout")] Timeout = 407,
    /// <summary>The target device is not connected.</summary>
    [JsonStringEnumMemberName("offline")] Offline = 408,
    /// <summary>Too many requests; try again later.</summary>
    [JsonStringEnumMemberName("rate_limited")] RateLimited = 409,
    /// <summary>The device's key pair has expired; the APP must re-register it.</summary>
    [JsonStringEnumMemberName("key_expired")] KeyExpired = 410,
    /// <summary>The device's service period has ended.</summary>
    [JsonStringEnumMemberName("service_expired")] ServiceExpired = 411,
    /// <summary>The command is not known to the receiver.</summary>
    [JsonStringEnumMemberName("unknown_command")] UnknownCommand = 412,
    /// <summary>The gateway already holds a registration: it must be reset before it can be provisioned again.</summary>
    [JsonStringEnumMemberName("already_provisioned")] AlreadyProvisioned = 413,

    /// <summary>The receiver failed for a reason of its own; details are in its log.</summary>
    [JsonStringEnumMemberName("internal")] Internal = 500,
}
