using FsCheck;
using FsCheck.Fluent;

namespace ProcessGrid.Tests.Properties;

/// <summary>
/// Erlang's ordering guarantee: messages from one sender to one receiver arrive in the order they were sent, however
/// many other senders write to the same receiver at the same time, for spawned and for virtual receivers.
/// </summary>
public sealed class OrderingProperties
{
    /// <summary>The <paramref name="Number"/>-th message (from 0) of sender <paramref name="Sender"/>.</summary>
    private sealed record Numbered(int Sender, int Number);

    /// <summary>How many senders, and how many messages each sends.</summary>
    private static readonly Arbitrary<int[]> Workloads =
        Gen.Choose(1, 8).SelectMany(senders => Gen.ArrayOf(Gen.Choose(1, 400), senders)).ToArbitrary();

    /// <summary>Checks each sender's sequence as the messages arrive.</summary>
    private sealed class OrderCheck(int senders)
    {
        private readonly int[] _next = new int[senders];

        public int Received { get; private set; }

        public List<string> Violations { get; } = [];

        public void Add(Numbered message)
        {
            if (message.Number != _next[message.Sender])
            {
                Violations.Add($"sender {message.Sender}: got {message.Number}, expected {_next[message.Sender]}");
            }
            _next[message.Sender] = message.Number + 1;
            Received++;
        }
    }

    /// <summary>A virtual receiver that checks per-sender order of what it is sent and reports on a call.</summary>
    private sealed class OrderedInbox : GenServer
    {
        private OrderCheck? _check;

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) =>
            ValueTask.FromResult<object?>((_check?.Received ?? 0, string.Join("; ", _check?.Violations ?? [])));

        protected override ValueTask HandleInfoAsync(object message)
        {
            // Sender count is unknown up front; senders are numbered from 0 and there are at most 8.
            (_check ??= new OrderCheck(8)).Add((Numbered)message);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Spawns one process per sender, each sending its numbered sequence to <paramref name="receiver"/>.</summary>
    private static void StartSenders(IProcessGrid node, Pid receiver, int[] workload)
    {
        for (var sender = 0; sender < workload.Length; sender++)
        {
            var (index, count) = (sender, workload[sender]);
            node.Spawn(ctx =>
            {
                for (var n = 0; n < count; n++)
                {
                    ctx.Send(receiver, new Numbered(index, n));
                }
                return Task.CompletedTask;
            });
        }
    }

    [Fact]
    public async Task Each_senders_messages_arrive_in_send_order_at_a_spawned_process()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        Prop.ForAll(Workloads, workload =>
        {
            var total = workload.Sum();
            var receiver = node.Spawn(async ctx =>
            {
                var check = new OrderCheck(workload.Length);
                while (check.Received < total)
                {
                    check.Add(await ctx.Receive<Numbered>());
                }
                ctx.Send(probe.Pid, (ctx.Self, string.Join("; ", check.Violations)));
            });
            StartSenders(node, receiver, workload);

            var (_, violations) = probe.Expect<(Pid, string)>(r => r.Item1 == receiver).GetAwaiter().GetResult();
            return violations.Length == 0;
        }).Check(Config.QuickThrowOnFailure.WithQuietOnSuccess(true));
    }

    [Fact]
    public async Task Each_senders_messages_arrive_in_send_order_at_a_virtual_process()
    {
        await using var node = TestNode.Start();
        var round = 0;

        Prop.ForAll(Workloads, workload =>
        {
            var total = workload.Sum();
            var receiver = node.Virtual<OrderedInbox>($"round {Interlocked.Increment(ref round)}");
            StartSenders(node, receiver, workload);

            var (received, violations) = (0, "");
            TestNode.Eventually(() =>
            {
                (received, violations) = node.Call<(int, string)>(receiver, "report").AsTask().GetAwaiter().GetResult();
                return received == total;
            }, $"{total} messages to reach {receiver}").GetAwaiter().GetResult();
            return violations.Length == 0;
        }).Check(Config.QuickThrowOnFailure.WithQuietOnSuccess(true));
    }
}
