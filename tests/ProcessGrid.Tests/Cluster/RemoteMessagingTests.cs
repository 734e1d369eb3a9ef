namespace ProcessGrid.Tests.Cluster;

/// <summary>Location transparency: a pid on another node is used exactly like a local one.</summary>
public sealed class RemoteMessagingTests
{
    public sealed record Ping(Pid From, int N);

    public sealed record Pong(int N);

    private sealed class Adder : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => request switch
        {
            int n => new(n + 1),
            "boom" => throw new InvalidOperationException("remote boom"),
            _ => new ValueTask<object?>((object?)null),
        };
    }

    [Fact]
    public async Task A_process_sends_to_a_process_on_another_node_and_gets_an_answer()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var echo = cluster[1].Spawn(async ctx =>
        {
            while (true)
            {
                var ping = await ctx.Receive<Ping>();
                ping.From.Send(new Pong(ping.N + 1));
            }
        });
        var probe = Probe.Spawn(cluster[0]);

        cluster[0].Send(echo, new Ping(probe.Pid, 41));

        Assert.Equal(new Pong(42), await probe.Expect<Pong>());
    }

    [Fact]
    public async Task A_call_to_a_server_on_another_node_returns_its_reply_or_its_exception()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var adder = await cluster[1].StartAsync<Adder>();

        Assert.Equal(43, await cluster[0].Call<int>(adder, 42));
        var error = await Assert.ThrowsAsync<CallException>(async () => await cluster[0].Call<int>(adder, "boom"));
        Assert.Equal("System.InvalidOperationException", error.Reason.ExceptionType);
        Assert.Equal("remote boom", error.Reason.Detail);
    }
}
