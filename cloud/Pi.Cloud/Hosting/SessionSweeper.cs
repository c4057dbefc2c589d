using Microsoft.Extensions.Hosting;
using Pi.Cloud.Login;
using Pi.Cloud.Sessions;

namespace Pi.Cloud;

/// <summary>Ends expired sessions (and disconnects their gateways) and drops expired challenges.</summary>
public sealed class SessionSweeper : BackgroundService
{
    /// <summary>How often it runs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly SessionTerminator _terminator;
    private readonly LoginChallenges _challenges;
    private readonly TimeProvider _time;

    public SessionSweeper(SessionTerminator terminator, LoginChallenges challenges, TimeProvider time)
    {
        _terminator = terminator;
        _challenges = challenges;
        _time = time;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await _terminator.EndExpiredAsync(stoppingToken).ConfigureAwait(false);
            _challenges.Sweep(_time.GetUtcNow());
        }
    }
}
