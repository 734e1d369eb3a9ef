namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// Location transparency for messages: a pid on another node is sent to exactly like a local one; what one process
/// sends another arrives in send order across nodes, and before the <see cref="Down"/> or <see cref="Exit"/> its exit
/// causes; <c>{Name, Node} ! Msg</c> reaches a name registered on that node; what cannot be delivered is a dead letter.
/// </summary>
public sealed class RemoteMessagingTests
{
    public sealed record Ping(Pid From, int N);

    public sealed record Pong(int N);

    public sealed record Numbered(int Sender, int N);

    public sealed record Received(int Count, string? Disorder);

    public sealed record Letter(string Text);

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

    /// <summary>
    /// A process that receives <paramref name="perSender"/> numbered messages from each of <paramref name="senders"/>
    /// senders, checks that each sender's numbers come in order, and reports to <paramref name="reportTo"/>.
    /// </summary>
    private static Pid SpawnOrderChecker(IProcessGrid node, Pid reportTo, int senders, int perSender) => node.Spawn(async ctx =>
    {
        var next = new int[senders];
        string? disorder = null;
        for (var received = 0; received < senders * perSender; received++)
        {
            var message = await ctx.Receive<Numbered>();
            if (disorder is null && message.N != next[message.Sender])
            {
                disorder = $"sender {message.Sender}: expected {next[message.Sender]}, got {message.N}";
            }
            next[message.Sender] = message.N + 1;
        }
        ctx.Send(reportTo, new Received(senders * perSender, disorder));
    });

    [Fact]
    public async Task Ten_thousand_messages_from_one_process_to_a_process_on_another_node_arrive_in_send_order()
    {
        const int Count = 10_000;
        await using var cluster = await TestCluster.StartAsync(2);
        var probe = Probe.Spawn(cluster[0]);
        var receiver = SpawnOrderChecker(cluster[1], probe.Pid, senders: 1, perSender: Count);

        cluster[0].Spawn(ctx =>
        {
            for (var n = 0; n < Count; n++)
            {
                ctx.Send(receiver, new Numbered(0, n));
            }
            return Task.CompletedTask;
        });

        Assert.Equal(new Received(Count, null), await probe.Expect<Received>());
    }

    [Fact]
    public async Task Several_senders_on_two_nodes_each_keep_their_order_at_one_receiver()
    {
        const int PerSender = 2_000;
        const int SendersPerNode = 3;
        await using var cluster = await TestCluster.StartAsync(3);
        var probe = Probe.Spawn(cluster[0]);
        var receiver = SpawnOrderChecker(cluster[1], probe.Pid, senders: 2 * SendersPerNode, perSender: PerSender);

        // Senders 0..2 on the first node and 3..5 on the third, all sending at once to the receiver on the second.
        for (var sender = 0; sender < 2 * SendersPerNode; sender++)
        {
            var id = sender;
            cluster[sender < SendersPerNode ? 0 : 2].Spawn(ctx =>
            {
                for (var n = 0; n < PerSender; n++)
                {
                    ctx.Send(receiver, new Numbered(id, n));
                }
                return Task.CompletedTask;
            });
        }

        Assert.Equal(new Received(2 * SendersPerNode * PerSender, null), await probe.Expect<Received>());
    }

    [Fact]
    public async Task A_message_sent_before_a_process_exits_arrives_before_the_Exit_and_the_Down_its_exit_causes()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var watcher = await Probe.SpawnTrappingExits(cluster[0]);

        for (var round = 0; round < 10; round++)
        {
            var worker = Worker.Spawn(cluster[1]);
            var monitor = await watcher.Run(ctx =>
            {
                ctx.Link(worker);
                return ctx.Monitor(worker);
            });

            // Two orders in a row: the worker sends its last words, then crashes at once.
            cluster[0].Send(worker, new Worker.Tell(watcher.Pid, new Letter($"last words {round}")));
            cluster[0].Send(worker, new Worker.Crash());

            await watcher.ExpectNext(new Letter($"last words {round}"));
            Assert.Equal(new Exit(worker, Worker.CrashReason), await watcher.Expect<Exit>());
            Assert.Equal(new Down(monitor, worker, Worker.CrashReason), await watcher.Expect<Down>());
            Assert.Empty(watcher.Unexpected);
        }
    }

    [Fact]
    public async Task A_message_to_a_name_registered_on_another_node_reaches_the_process_holding_it_in_order_with_sends_by_pid()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var inbox = Probe.Spawn(cluster[1]);
        cluster[1].Register("inbox", inbox.Pid);

        cluster[0].Send("inbox", cluster[1].Node, new Letter("by name from outside"));
        var sender = Probe.Spawn(cluster[0]);
        await sender.Run(ctx =>
        {
            // From one process, alternating {Name, Node} ! Msg and Pid ! Msg: one sender, one receiver, one order.
            for (var n = 0; n < 100; n++)
            {
                if (n % 2 == 0)
                {
                    ctx.Grid.Send("inbox", cluster[1].Node, new Letter($"{n}"));
                }
                else
                {
                    ctx.Send(inbox.Pid, new Letter($"{n}"));
                }
            }
        });

        await inbox.ExpectNext(new Letter("by name from outside"));
        for (var n = 0; n < 100; n++)
        {
            await inbox.ExpectNext(new Letter($"{n}"));
        }
    }

    [Fact]
    public async Task A_message_to_a_name_nobody_holds_on_another_node_does_not_throw_and_is_a_dead_letter_there()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var marker = Probe.Spawn(cluster[1]);
        cluster[1].Register("marker", marker.Pid);
        var senderDeadLetters = cluster[0].DeadLetters.Count;
        var receiverDeadLetters = cluster[1].DeadLetters.Count;

        cluster[0].Send("nobody", cluster[1].Node, new Letter("to nobody"));
        cluster[0].Send("marker", cluster[1].Node, new Letter("marker"));

        // The marker travelled on the same connection, after the first message: that one has been handled.
        await marker.ExpectOnly(new Letter("marker"));
        Assert.Equal(receiverDeadLetters + 1, cluster[1].DeadLetters.Count);
        var letter = cluster[1].DeadLetters.Recent[^1];
        Assert.Equal($"{{nobody,{cluster[1].Node}}}", letter.Target);
        Assert.Equal(typeof(Letter).FullName, letter.MessageType);
        Assert.StartsWith("noproc", letter.Reason, StringComparison.Ordinal);
        Assert.Contains("'nobody'", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(senderDeadLetters, cluster[0].DeadLetters.Count);
    }

    [Fact]
    public async Task A_message_to_a_pid_of_the_other_node_that_does_not_exist_is_a_dead_letter_there()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var marker = Probe.Spawn(cluster[1]);
        var gone = await cluster[1].DeadProcess();
        var earlierRun = Pid.ForSpawned(cluster[1].Node, cluster[1].Creation - 1, marker.Pid.Id);
        var before = cluster[1].DeadLetters.Count;

        cluster[0].Send(gone, new Letter("to a process that exited"));
        cluster[0].Send(earlierRun, new Letter("to the earlier run"));
        cluster[0].Send(marker.Pid, new Letter("marker"));

        // The live process with the same number in this run does not get the message meant for the earlier run.
        await marker.ExpectOnly(new Letter("marker"));
        Assert.Equal(before + 2, cluster[1].DeadLetters.Count);
        var letters = cluster[1].DeadLetters.Recent.TakeLast(2).ToList();
        Assert.Equal([gone.ToString(), earlierRun.ToString()], letters.Select(l => l.Target));
        Assert.All(letters, l => Assert.StartsWith("noproc", l.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_to_a_pid_on_a_node_that_is_not_a_member_is_a_dead_letter_at_the_sender()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var stranger = NodeName.Parse("stranger@localhost");
        var elsewhere = Pid.ForSpawned(stranger, 1, 1);
        var before = cluster[0].DeadLetters.Count;

        cluster[0].Send(elsewhere, new Letter("to a stranger"));
        cluster[0].Send("someone", stranger, new Letter("to a name of a stranger"));

        await TestNode.Eventually(() => cluster[0].DeadLetters.Count == before + 2, "both messages to be dead letters");
        var letters = cluster[0].DeadLetters.Recent.TakeLast(2).ToList();
        Assert.Equal([elsewhere.ToString(), $"{{someone,{stranger}}}"], letters.Select(l => l.Target));
        Assert.All(letters, l =>
        {
            Assert.StartsWith("noconnection", l.Reason, StringComparison.Ordinal);
            Assert.Contains("not a member", l.Reason, StringComparison.Ordinal);
        });
    }
}
