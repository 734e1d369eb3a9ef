using System.Buffers.Binary;
using System.Text;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Serialization;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// Where messages become bytes and back: what cannot cross nodes fails at the sender, naming the type, and sends
/// nothing; what the receiver cannot read (a type it does not have) is a dead letter there, and a call carrying it
/// fails with the reason.
/// </summary>
/// <remarks>
/// All nodes of a test run in one OS process and load the same types, so a message of a type the receiver lacks is
/// written by hand here, with the serializer's layout (<c>u16 nameLength | name | JSON</c>), in a real frame on the
/// real connection.
/// </remarks>
public sealed class RemoteSerializationTests
{
    private const string MissingType = "ProcessGrid.Tests.Elsewhere.Invoice, ProcessGrid.Tests.Elsewhere";

    public sealed record WithCode(string Name, Func<int> Callback);

    public sealed record Letter(string Text);

    private sealed class EchoServer : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(request);
    }

    /// <summary>Writes a message of a type no node has, as the serializer would write one it had.</summary>
    private static void WriteMessageOfMissingType(FrameBuilder frame)
    {
        var name = Encoding.UTF8.GetBytes(MissingType);
        var header = frame.GetSpan(2);
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)name.Length);
        frame.Advance(2);
        frame.WriteBytes(name);
        frame.WriteBytes("{\"Total\":12.5}"u8);
    }

    [Fact]
    public async Task A_message_holding_a_delegate_fails_at_the_sender_naming_its_type_and_nothing_arrives()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var receiver = Probe.Spawn(cluster[1]);
        cluster[1].Register("receiver", receiver.Pid);
        var server = await cluster[1].StartAsync<EchoServer>();
        var message = new WithCode("callback", () => 42);

        var sent = Assert.Throws<MessageSerializationException>(() => cluster[0].Send(receiver.Pid, message));
        var named = Assert.Throws<MessageSerializationException>(() => cluster[0].Send("receiver", cluster[1].Node, message));
        var cast = Assert.Throws<MessageSerializationException>(() => cluster[0].Cast(server, message));
        var bare = Assert.Throws<MessageSerializationException>(() => cluster[0].Send(receiver.Pid, (Func<int>)(() => 42)));
        var called = await Assert.ThrowsAsync<MessageSerializationException>(() => cluster[0].Call<object>(server, message).AsTask());

        foreach (var error in new[] { sent, named, cast, called })
        {
            Assert.Equal(typeof(WithCode), error.MessageType);
            Assert.Contains(typeof(WithCode).FullName!, error.Message, StringComparison.Ordinal);
        }
        Assert.Equal(typeof(Func<int>), bare.MessageType);
        Assert.Contains("code cannot cross nodes", bare.Message, StringComparison.Ordinal);
        // Nothing was sent, and the call is not left waiting for a reply.
        cluster[0].Send(receiver.Pid, new Letter("marker"));
        await receiver.ExpectOnly(new Letter("marker"));
        Assert.Empty(cluster[0].Distribution!.Get(cluster[1].Node).PendingCalls);
        Assert.Equal(new Letter("still served"), await cluster[0].Call<Letter>(server, new Letter("still served")));
    }

    [Fact]
    public async Task A_message_of_a_type_the_receiver_cannot_load_is_a_dead_letter_there_naming_the_type()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var receiver = Probe.Spawn(cluster[1]);
        cluster[1].Register("receiver", receiver.Pid);
        var before = cluster[1].DeadLetters.Count;
        var toB = cluster[0].Distribution!.Get(cluster[1].Node);

        var byPid = FrameBuilder.Start(FrameKind.Message);
        WireFormat.WritePid(byPid, receiver.Pid);
        byPid.WriteByte(0); // Hops.
        WriteMessageOfMissingType(byPid);
        toB.Send(byPid);
        var byName = FrameBuilder.Start(FrameKind.NamedMessage);
        byName.WriteString("receiver");
        WriteMessageOfMissingType(byName);
        toB.Send(byName);
        cluster[0].Send(receiver.Pid, new Letter("marker"));

        // The marker came after both on the same connection, which stays open: the receiver got neither.
        await receiver.ExpectOnly(new Letter("marker"));
        Assert.Equal(before + 2, cluster[1].DeadLetters.Count);
        var letters = cluster[1].DeadLetters.Recent.TakeLast(2).ToList();
        Assert.Equal([receiver.Pid.ToString(), $"{{receiver,{cluster[1].Node}}}"], letters.Select(l => l.Target));
        Assert.All(letters, letter =>
        {
            Assert.Equal(MissingType, letter.MessageType);
            Assert.Contains($"unknown message type {MissingType}", letter.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_call_carrying_a_type_the_callee_node_cannot_load_fails_with_a_reason_naming_it()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<EchoServer>();
        var toB = cluster[0].Distribution!.Get(cluster[1].Node);
        // A call as the distribution layer makes one, with a correlation id of its own.
        var call = new CallSlot<object>(server);
        const long Correlation = long.MaxValue - 1;
        toB.AwaitReply(Correlation, call);
        var frame = FrameBuilder.Start(FrameKind.Call);
        WireFormat.WritePid(frame, server);
        frame.WriteByte(0); // Hops: sent straight to the callee's node.
        frame.WriteInt64(Correlation);
        WireFormat.WritePid(frame, null);
        WriteMessageOfMissingType(frame);

        toB.Send(frame);

        var error = await Assert.ThrowsAsync<CallException>(() => call.Task.AsTask()).Within("the call to fail");
        Assert.Equal(ExitReasonKind.Exception, error.Reason.Kind);
        Assert.Equal(typeof(UnknownMessageTypeException).FullName, error.Reason.ExceptionType);
        Assert.Contains($"unknown message type {MissingType}", error.Reason.Detail, StringComparison.Ordinal);
        Assert.Empty(toB.PendingCalls);
        Assert.Equal(new Letter("still served"), await cluster[0].Call<Letter>(server, new Letter("still served")));
    }

    [Fact]
    public async Task A_reply_of_a_type_the_caller_node_cannot_load_fails_the_call_with_a_reason_naming_it()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<EchoServer>();
        var toB = cluster[0].Distribution!.Get(cluster[1].Node);
        var call = new CallSlot<object>(server);
        const long Correlation = long.MaxValue - 2;
        toB.AwaitReply(Correlation, call);
        // The callee's node answers that call with a value of a type the caller's node does not have.
        var reply = FrameBuilder.Start(FrameKind.Reply);
        reply.WriteInt64(Correlation);
        reply.WriteByte(0); // A value follows.
        WriteMessageOfMissingType(reply);

        cluster[1].Distribution!.Get(cluster[0].Node).Send(reply);

        var error = await Assert.ThrowsAsync<CallException>(() => call.Task.AsTask()).Within("the call to fail");
        Assert.Equal(typeof(UnknownMessageTypeException).FullName, error.Reason.ExceptionType);
        Assert.Contains("the reply could not be read", error.Reason.Detail, StringComparison.Ordinal);
        Assert.Contains(MissingType, error.Reason.Detail, StringComparison.Ordinal);
        Assert.Empty(toB.PendingCalls);
    }
}
