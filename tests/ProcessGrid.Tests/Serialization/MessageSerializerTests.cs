using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ProcessGrid.Runtime.Serialization;

namespace ProcessGrid.Tests.Serialization;

/// <summary>What crosses nodes: message types without boilerplate, their own copy, version tolerance, clear errors.</summary>
public sealed class MessageSerializerTests
{
    public sealed record Order(string Id, int Quantity, decimal Price, Pid Customer, IReadOnlyList<string> Lines);

    public sealed record Envelope(object Payload, List<object> Items, Dictionary<string, int> Counts);

    public sealed record Failure(ExitReason Reason, NodeName Node, MonitorRef Ref);

    public sealed record GreetingV1(string Name);

    public sealed record GreetingV2(string Name, string Language = "en");

    public sealed record WithCode(string Name, Func<int> Callback);

    public sealed class MutableCounter
    {
        public int Count { get; set; }

        public List<int> History { get; } = [];
    }

    [Fact]
    public async Task A_record_comes_back_equal_as_its_own_copy_with_pids_attached_to_the_receiving_node()
    {
        await using var sender = TestNode.Start();
        await using var receiver = TestNode.Start();
        var customer = sender.Spawn(ctx => ctx.Receive<object>().AsTask());
        var order = new Order("o-1", 3, 9.99m, customer, ["apple", "pear"]);

        var copy = (Order)RoundTrip(sender, receiver, order);

        Assert.NotSame(order, copy);
        Assert.Equal(order.Id, copy.Id);
        Assert.Equal(order.Lines, copy.Lines);
        Assert.Equal(order.Customer, copy.Customer);

        // The copy's pid routes through the receiving node: these two nodes are not connected, so there it is a dead letter.
        copy.Customer.Send("hello");
        Assert.Equal(1, receiver.DeadLetters.Count);
        Assert.Contains("cannot reach", receiver.DeadLetters.Recent.Single().Reason);
    }

    [Fact]
    public async Task Values_held_as_object_keep_their_runtime_types()
    {
        await using var node = TestNode.Start();
        var message = new Envelope(new GreetingV1("Ada"), [1, "two", new GreetingV1("three"), 4.5], new() { ["a"] = 1 });

        var copy = (Envelope)RoundTrip(node, node, message);

        Assert.Equal(new GreetingV1("Ada"), copy.Payload);
        Assert.Equal([1, "two", new GreetingV1("three"), 4.5], copy.Items);
        Assert.Equal(1, copy.Counts["a"]);
    }

    [Fact]
    public async Task Exit_reasons_node_names_and_monitor_refs_round_trip()
    {
        await using var node = TestNode.Start();
        var message = new Failure(ExitReason.FromException(new InvalidOperationException("boom")), NodeName.Parse("a@b"), new MonitorRef(42));

        var copy = (Failure)RoundTrip(node, node, message);

        Assert.Equal(message.Reason, copy.Reason);
        Assert.Equal("System.InvalidOperationException", copy.Reason.ExceptionType);
        Assert.Equal(message.Node, copy.Node);
        Assert.Equal(message.Ref, copy.Ref);
    }

    [Fact]
    public async Task Plain_values_tuples_and_mutable_classes_round_trip()
    {
        await using var node = TestNode.Start();
        Assert.Equal(42, RoundTrip(node, node, 42));
        Assert.Equal("text", RoundTrip(node, node, "text"));
        Assert.Equal(("a", 1), RoundTrip(node, node, ("a", 1)));
        var counter = new MutableCounter { Count = 2 };
        counter.History.AddRange([1, 2]);
        var copy = (MutableCounter)RoundTrip(node, node, counter);
        Assert.Equal(2, copy.Count);
        Assert.Equal([1, 2], copy.History);
    }

    [Fact]
    public async Task A_node_with_the_old_version_of_a_type_reads_a_message_from_a_node_with_the_new_version()
    {
        await using var node = TestNode.Start();
        var bytes = Serialize(node, new GreetingV2("Ada", "fr"));

        var old = (GreetingV1)Deserialize(node, Retype(bytes, typeof(GreetingV1)));

        Assert.Equal("Ada", old.Name);
    }

    [Fact]
    public async Task A_node_with_the_new_version_of_a_type_reads_a_message_from_a_node_with_the_old_version()
    {
        await using var node = TestNode.Start();
        var bytes = Serialize(node, new GreetingV1("Ada"));

        var newer = (GreetingV2)Deserialize(node, Retype(bytes, typeof(GreetingV2)));

        Assert.Equal("Ada", newer.Name);
        Assert.Equal("en", newer.Language);
    }

    [Fact]
    public async Task A_message_that_holds_code_fails_at_the_sender_with_an_error_that_names_the_type()
    {
        await using var node = TestNode.Start();

        var closure = Assert.Throws<MessageSerializationException>(() => Serialize(node, new Func<int>(() => 1)));
        Assert.Contains("System.Func", closure.Message);

        var member = Assert.Throws<MessageSerializationException>(() => Serialize(node, new WithCode("x", () => 1)));
        Assert.Equal(typeof(WithCode), member.MessageType);
        Assert.Contains(typeof(WithCode).FullName!, member.Message);
    }

    [Fact]
    public async Task A_message_of_a_type_the_receiver_cannot_load_is_reported_with_the_type_name()
    {
        await using var node = TestNode.Start();
        var bytes = Serialize(node, new GreetingV1("Ada"));
        var renamed = WithName(bytes, "Elsewhere.Greeting, Elsewhere");

        var error = Assert.Throws<UnknownMessageTypeException>(() => Deserialize(node, renamed));
        Assert.Equal("Elsewhere.Greeting, Elsewhere", error.TypeName);
    }

    private static object RoundTrip(ProcessNode from, ProcessNode to, object message) => Deserialize(to, Serialize(from, message));

    private static byte[] Serialize(ProcessNode node, object message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new MessageSerializer(node).Serialize(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    private static object Deserialize(ProcessNode node, byte[] bytes) => new MessageSerializer(node).Deserialize(new ReadOnlySequence<byte>(bytes));

    private static byte[] Retype(byte[] bytes, Type type) => WithName(bytes, TypeNames.Of(type));

    /// <summary>The same message under another type name: what a node with a different build of the type sends.</summary>
    private static byte[] WithName(byte[] bytes, string name)
    {
        var oldLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var result = new byte[2 + nameBytes.Length + bytes.Length - 2 - oldLength];
        BinaryPrimitives.WriteUInt16LittleEndian(result, (ushort)nameBytes.Length);
        nameBytes.CopyTo(result, 2);
        bytes.AsSpan(2 + oldLength).CopyTo(result.AsSpan(2 + nameBytes.Length));
        return result;
    }
}
