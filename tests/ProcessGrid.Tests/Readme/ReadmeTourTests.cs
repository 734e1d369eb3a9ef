using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ProcessGrid.Tests.Readme;

/// <summary>
/// The README's API tour is source code: this test takes its C# blocks, compiles them into a program (using-only
/// blocks become global usings, blocks with statements form the program's top-level statements in order, blocks of
/// declarations become their own files), runs it, and compares what it prints with the README's output block.
/// </summary>
/// <remarks>
/// The tour prints with <see cref="Console"/>, which is one per OS process: the test runs alone (its collection
/// disables parallelization) so that nothing else the test run prints lands in its capture.
/// </remarks>
[Collection(nameof(ReadmeTourTests))]
public sealed partial class ReadmeTourTests
{

    [Fact]
    public async Task The_tour_compiles_runs_and_prints_what_the_readme_says()
    {
        var readme = await File.ReadAllTextAsync(RepositoryFile("README.md"), TestContext.Current.CancellationToken);
        var tour = Between(readme, "<!-- tour:begin -->", "<!-- tour:end -->");
        var blocks = CodeBlocks(tour, "csharp");
        Assert.NotEmpty(blocks);
        var expected = CodeBlocks(Between(readme, "<!-- tour:output -->", null), "text").First();

        var program = Compile(blocks);
        var output = await RunAsync(program);

        Assert.Equal(Lines(expected), Lines(output));
    }

    private static Assembly Compile(IReadOnlyList<string> blocks)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree>
        {
            // What the SDK's implicit usings give a console app.
            CSharpSyntaxTree.ParseText(
                "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
                "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;", parse),
        };
        var statements = new List<string>();
        foreach (var block in blocks)
        {
            var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(block, parse).GetRoot();
            if (root.Members.Count == 0 && root.Usings.Count > 0)
            {
                trees.Add(CSharpSyntaxTree.ParseText(string.Join("\n", root.Usings.Select(u => "global " + u.ToString())), parse));
            }
            else if (root.Members.Any(member => member is GlobalStatementSyntax))
            {
                statements.Add(block);
            }
            else
            {
                trees.Add(CSharpSyntaxTree.ParseText(block, parse));
            }
        }
        trees.Add(CSharpSyntaxTree.ParseText(string.Join("\n", statements), parse));

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Concat([typeof(Pid).Assembly.Location, typeof(ProcessNode).Assembly.Location, typeof(SupervisorSpec).Assembly.Location])
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "ReadmeTour",
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(result.Success && problems.Count == 0,
            "The README's tour does not compile cleanly:\n" + string.Join("\n", problems));
        image.Position = 0;
        return new AssemblyLoadContext("ReadmeTour", isCollectible: true).LoadFromStream(image);
    }

    private static async Task<string> RunAsync(Assembly program)
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            var entry = program.EntryPoint!;
            var run = entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
            if (run is Task task)
            {
                await task.Within("the README tour to finish", TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            Console.SetOut(original);
        }
        return output.ToString();
    }

    private static string RepositoryFile(string name)
    {
        var built = typeof(ReadmeTourTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        foreach (var start in new[] { AppContext.BaseDirectory, built })
        {
            for (var directory = start is null ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "ProcessGrid.slnx")))
                {
                    return Path.Combine(directory.FullName, name);
                }
            }
        }
        throw new FileNotFoundException($"Could not find the repository root (ProcessGrid.slnx) above {AppContext.BaseDirectory} or {built}.");
    }

    private static string Between(string text, string start, string? end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"The README lacks the marker {start}.");
        from += start.Length;
        if (end is null)
        {
            return text[from..];
        }
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        Assert.True(to >= 0, $"The README lacks the marker {end}.");
        return text[from..to];
    }

    private static List<string> CodeBlocks(string markdown, string language) =>
        CodeBlock().Matches(markdown).Where(m => m.Groups["lang"].Value == language).Select(m => m.Groups["code"].Value).ToList();

    private static string[] Lines(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim().Split('\n').Select(line => line.TrimEnd()).ToArray();

    [GeneratedRegex(@"```(?<lang>\w+)\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}

/// <summary>The README tour's collection: it runs with no other test in parallel.</summary>
[CollectionDefinition(nameof(ReadmeTourTests), DisableParallelization = true)]
public sealed class ReadmeTourCollection;
