using Pi.Cloud.Broker;

namespace Pi.Cloud.Tests.Broker;

public sealed class Reconnect_Backoff_Tests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Maximum = TimeSpan.FromSeconds(30);

    [Fact]
    public void Without_jitter_the_delay_doubles_up_to_the_cap()
    {
        var backoff = new ReconnectBackoff(Initial, Maximum, () => 1.0);

        var delays = Enumerable.Range(0, 12).Select(_ => backoff.Next().TotalMilliseconds).ToArray();

        Assert.Equal(new double[] { 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000, 30000 }, delays);
    }

    [Fact]
    public void Jitter_keeps_each_delay_between_half_and_all_of_its_step()
    {
        var low = new ReconnectBackoff(Initial, Maximum, () => 0.0);
        var middle = new ReconnectBackoff(Initial, Maximum, () => 0.5);

        Assert.Equal(TimeSpan.FromMilliseconds(100), low.Next());
        Assert.Equal(TimeSpan.FromMilliseconds(200), low.Next());
        Assert.Equal(TimeSpan.FromMilliseconds(150), middle.Next());
        Assert.Equal(TimeSpan.FromMilliseconds(300), middle.Next());
    }

    [Fact]
    public void Reset_starts_again_from_the_initial_delay()
    {
        var backoff = new ReconnectBackoff(Initial, Maximum, () => 1.0);
        backoff.Next();
        backoff.Next();

        backoff.Reset();

        Assert.Equal(0, backoff.Attempt);
        Assert.Equal(Initial, backoff.Next());
    }

    [Fact]
    public void Thousands_of_attempts_stay_at_the_cap()
    {
        var backoff = new ReconnectBackoff(Initial, Maximum, () => 1.0);
        for (var i = 0; i < 5000; i++)
        {
            Assert.InRange(backoff.Next(), Initial, Maximum);
        }
        Assert.Equal(Maximum, backoff.Next());
    }

    [Fact]
    public void The_default_schedule_is_jittered_within_its_bounds()
    {
        var backoff = ReconnectBackoff.CreateDefault();

        Assert.InRange(backoff.Next(), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
        Assert.InRange(backoff.Next(), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400));
    }
}
