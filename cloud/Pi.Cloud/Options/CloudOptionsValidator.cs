using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace Pi.Cloud.Options;

/// <summary>
/// Validates every section of <see cref="CloudOptions"/> at start: the data annotations of each
/// nested settings object (which plain data-annotation validation does not descend into) and the
/// rules that span settings. Messages name the setting as it is written in configuration.
/// </summary>
public sealed class CloudOptionsValidator : IValidateOptions<CloudOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CloudOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(options, "Cloud", failures);
        Check(options.Http, "Cloud:Http", failures);
        Check(options.Mqtt, "Cloud:Mqtt", failures);
        Check(options.Mqtt.External, "Cloud:Mqtt:External", failures);
        Check(options.Store, "Cloud:Store", failures);
        Check(options.Keys, "Cloud:Keys", failures);
        Check(options.Accounts, "Cloud:Accounts", failures);
        Check(options.Login, "Cloud:Login", failures);
        Check(options.Commands, "Cloud:Commands", failures);

        if (!Enum.IsDefined(options.Verification))
        {
            failures.Add("Cloud:Verification must be Import or TrustOnFirstRegistration");
        }
        if (!Enum.IsDefined(options.Mqtt.Mode))
        {
            failures.Add("Cloud:Mqtt:Mode must be Embedded or External");
        }
        if (options.Mqtt.Mode == BrokerMode.External && !Uri.TryCreate(options.Mqtt.External.Url, UriKind.Absolute, out _))
        {
            failures.Add("Cloud:Mqtt:External:Url (mqtt:// or mqtts://) is required when Cloud:Mqtt:Mode is External");
        }
        if (!IPAddress.TryParse(options.Http.Address, out var httpAddress))
        {
            failures.Add("Cloud:Http:Address must be an IP address");
        }
        if (!IPAddress.TryParse(options.Mqtt.Address, out var mqttAddress))
        {
            failures.Add("Cloud:Mqtt:Address must be an IP address");
        }
        if (options.Mqtt.Mode == BrokerMode.Embedded && options.Http.Port != 0 && options.Http.Port == options.Mqtt.Port
            && Equals(httpAddress, mqttAddress))
        {
            failures.Add("Cloud:Http:Port and Cloud:Mqtt:Port must differ");
        }
        if (!string.IsNullOrEmpty(options.PublicUrl) && !Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out _))
        {
            failures.Add("Cloud:PublicUrl must be an absolute URL");
        }
        if (!string.IsNullOrEmpty(options.PublicMqttUrl) && !Uri.TryCreate(options.PublicMqttUrl, UriKind.Absolute, out _))
        {
            failures.Add("Cloud:PublicMqttUrl must be an absolute URL");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(object settings, string section, List<string> failures)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"{section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        }
    }
}
