using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// How calls and casts of functions travel between nodes. The answer to a call is an ordinary
/// <see cref="FrameKind.Reply"/> under the call's correlation id: the result, or an <see cref="RpcFault"/> in its place.
/// </summary>
/// <remarks>
/// <para><see cref="FrameKind.RpcCall"/>: <c>i64 correlation | i64 timeout in ms (0: none) | string function | message args</c>.</para>
/// <para><see cref="FrameKind.RpcCast"/>: <c>string function | message args</c> (the function first, so that a cast that
/// cannot be sent is reported as a dead letter that names it).</para>
/// <para>The arguments are one message, an <c>object?[]</c> whose elements keep their runtime types.</para>
/// </remarks>
internal static class RpcFrames
{
    /// <summary>Sends a call of <paramref name="function"/> to <paramref name="node"/>; its answer comes back to <paramref name="call"/>.</summary>
    /// <exception cref="MessageSerializationException">An argument cannot cross nodes (nothing was sent; the call is not registered).</exception>
    public static void SendCall(NodeDistribution distribution, NodeName node, string function, object?[] args, TimeSpan timeout, IPendingCall call)
    {
        var remote = distribution.Get(node);
        var correlation = distribution.NewCorrelation();
        var frame = FrameBuilder.Start(FrameKind.RpcCall);
        frame.WriteInt64(correlation);
        frame.WriteInt64(timeout == Timeout.InfiniteTimeSpan ? 0 : Math.Max(1, (long)Math.Ceiling(timeout.TotalMilliseconds)));
        frame.WriteString(function);
        WriteArgs(frame, distribution, args);
        remote.AwaitReply(correlation, call);
        remote.Send(frame);
    }

    /// <summary>Sends a cast of <paramref name="function"/> to <paramref name="node"/>.</summary>
    /// <exception cref="MessageSerializationException">An argument cannot cross nodes (nothing was sent).</exception>
    public static void SendCast(NodeDistribution distribution, NodeName node, string function, object?[] args)
    {
        var frame = FrameBuilder.Start(FrameKind.RpcCast);
        frame.WriteString(function);
        WriteArgs(frame, distribution, args);
        distribution.Get(node).Send(frame);
    }

    private static void WriteArgs(FrameBuilder frame, NodeDistribution distribution, object?[] args)
    {
        try
        {
            WireFormat.WriteMessage(frame, distribution.Serializer, args);
        }
        catch
        {
            frame.Release();
            throw;
        }
    }

    /// <summary>A call or cast as it arrived.</summary>
    /// <param name="Correlation">The call's id (0 for a cast).</param>
    /// <param name="Timeout">How long the caller waits.</param>
    /// <param name="Function">The function's name.</param>
    /// <param name="Args">The arguments, or null when they could not be read here.</param>
    /// <param name="Unreadable">Why the arguments could not be read.</param>
    public readonly record struct Incoming(long Correlation, TimeSpan Timeout, string Function, object?[]? Args, string? Unreadable);

    /// <summary>Reads a <see cref="FrameKind.RpcCall"/> or <see cref="FrameKind.RpcCast"/>.</summary>
    /// <exception cref="FrameProtocolException">The frame is malformed (its connection closes).</exception>
    public static Incoming Read(FrameKind kind, ref FrameReader reader, NodeDistribution distribution, NodeName here)
    {
        long correlation = 0;
        var timeout = Timeout.InfiniteTimeSpan;
        if (kind == FrameKind.RpcCall)
        {
            correlation = reader.ReadInt64();
            var milliseconds = reader.ReadInt64();
            timeout = milliseconds <= 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(milliseconds);
        }
        var function = reader.ReadString();
        try
        {
            return WireFormat.ReadMessage(ref reader, distribution.Serializer) is object?[] args
                ? new Incoming(correlation, timeout, function, args, null)
                : throw new FrameProtocolException($"An rpc frame for {function} does not carry an argument list.");
        }
        catch (Serialization.UnknownMessageTypeException e)
        {
            return new Incoming(correlation, timeout, function, null,
                $"an argument is of type {e.TypeName}, which {here} cannot load (deploy the assembly that defines it there)");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return new Incoming(correlation, timeout, function, null, $"the arguments could not be read on {here}: {e.Message}");
        }
    }
}
