using FsCheck;
using FsCheck.Fluent;

namespace ProcessGrid.Tests.Properties;

/// <summary>A pid's text form parses back to the same pid, for any valid node name and any key.</summary>
public sealed class PidTextProperties
{
    private const string NameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
    private const string HostChars = NameChars + ":[]";
    private const string KindChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-+`";

    private static Gen<string> StringOf(string alphabet) =>
        Gen.NonEmptyListOf(Gen.Elements(alphabet.ToCharArray())).Select(chars => new string([.. chars]));

    /// <summary>Node names valid per <see cref="NodeName"/>'s rules: name@host.</summary>
    private static readonly Gen<NodeName> NodeNames =
        from name in StringOf(NameChars)
        from host in StringOf(HostChars)
        select NodeName.Create(name, host);

    /// <summary>Creations: milliseconds since 2022, so any non-negative 64-bit value (edges included).</summary>
    private static readonly Gen<long> Creations =
        Gen.OneOf(
            Gen.Elements(0L, 1L, long.MaxValue),
            from high in Gen.Choose(0, int.MaxValue)
            from low in Gen.Choose(0, int.MaxValue)
            select ((long)high << 31) + low);

    private static readonly Gen<long> Ids =
        Gen.OneOf(
            Gen.Elements(1L, long.MaxValue),
            Gen.Choose(1, int.MaxValue).Select(i => (long)i),
            from high in Gen.Choose(0, int.MaxValue)
            from low in Gen.Choose(1, int.MaxValue)
            select ((long)high << 31) + low);

    /// <summary>Pieces of keys: plain text, the characters the text form escapes or uses as delimiters, control characters, and unicode.</summary>
    private static readonly Gen<string> KeyPieces = Gen.Frequency(
        (4, Gen.Choose(0x20, 0x7E).Select(c => ((char)c).ToString())),
        (3, Gen.Elements("%", ">", "/", "<", "%0025", "%3E", "@", ".", " ")),
        (2, Gen.OneOf(Gen.Choose(0x00, 0x1F), Gen.Choose(0x7F, 0x9F)).Select(c => ((char)c).ToString())),
        (2, Gen.Choose(0xA0, 0xFFFF).Select(c => ((char)c).ToString())), // Includes lone surrogates.
        (1, Gen.Elements("é", "日本", "😀", "\u2028", "\uFEFF")));

    private static readonly Gen<string> Keys = Gen.ListOf(KeyPieces).Select(pieces => string.Concat(pieces));

    [Fact]
    public void A_spawned_pid_text_parses_back_to_the_same_pid()
    {
        var pids = from node in NodeNames from creation in Creations from id in Ids select Pid.ForSpawned(node, creation, id);

        Prop.ForAll(pids.ToArbitrary(), pid =>
        {
            var text = pid.ToString();
            var parsed = Pid.Parse(text);
            return parsed == pid && parsed.Node == pid.Node && parsed.Creation == pid.Creation && parsed.Id == pid.Id
                && !parsed.IsVirtual && parsed.ToString() == text;
        }).Check(Config.QuickThrowOnFailure.WithQuietOnSuccess(true));
    }

    [Fact]
    public void A_virtual_pid_text_parses_back_to_the_same_kind_and_key_whatever_the_key_holds()
    {
        var pids = from kind in StringOf(KindChars) from key in Keys select Pid.ForVirtual(kind, key);

        Prop.ForAll(pids.ToArbitrary(), pid =>
        {
            var text = pid.ToString();
            var parsed = Pid.Parse(text);
            // The text ends at its only '>' and holds no control characters, so it can be logged and typed safely.
            var printable = text.IndexOf('>', StringComparison.Ordinal) == text.Length - 1 && !text.Any(char.IsControl);
            return printable && parsed == pid && parsed.Kind == pid.Kind && string.Equals(parsed.Key, pid.Key, StringComparison.Ordinal)
                && parsed.ToString() == text;
        }).Check(Config.QuickThrowOnFailure.WithQuietOnSuccess(true));
    }

    [Fact]
    public async Task The_pids_a_node_hands_out_parse_back_through_the_node()
    {
        await using var node = TestNode.Start();
        var spawned = Enumerable.Range(0, 20).Select(_ => node.Spawn(ctx => ctx.Receive<Guid>().AsTask())).ToList();

        foreach (var pid in spawned)
        {
            var parsed = node.ParsePid(pid.ToString());
            Assert.Equal(pid, parsed);
            Assert.Equal(node.Node, parsed.Node);
            Assert.Equal(node.Creation, parsed.Creation);
            Assert.NotNull(node.GetProcessInfo(parsed));
        }
    }
}
