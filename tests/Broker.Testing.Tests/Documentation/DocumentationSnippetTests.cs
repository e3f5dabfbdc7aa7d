using System.Collections.Immutable;
using System.ComponentModel;
using System.Globalization;
using System.Reflection.PortableExecutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Broker.Testing.Tests.Documentation;

/// <summary>
/// Every C# block of <c>README.md</c> and <c>docs/*.md</c> compiles against the real API, so the documentation cannot
/// drift from the code it describes.
/// </summary>
/// <remarks>
/// <para>
/// Each fenced block whose info string is <c>csharp</c> (or <c>cs</c>, <c>c#</c>), at any indentation (in a list item
/// too), is one case of <see cref="The_block_compiles"/>, named <c>path:line</c>: the file relative to the repository root
/// and the line of the opening fence, e.g. <c>README.md:10</c> or <c>docs/queues.md:42</c>. A block is compiled on its own as a console program
/// with top-level statements (latest C#, nullable enabled) against every assembly of the runtime and of this test's output
/// folder, with global usings for the namespaces a reader has in scope (<see cref="SnippetCompiler.GlobalUsings"/>:
/// System, Broker and its sub-namespaces, Broker.Hosting, Broker.Testing, Microsoft.Extensions.DependencyInjection and
/// .Hosting, Microsoft.Extensions.Time.Testing, Xunit, and a few more). A failure lists every error with its line within
/// the block and the file, then the block. Warnings are ignored, and so is the missing entry point of a block that only
/// declares types.
/// </para>
/// <para>
/// A block that needs context it does not show gets it from HTML comments (invisible on GitHub) directly above its
/// opening fence; only blank lines and other such comments may stand between them and the fence. Each may span several
/// lines:
/// </para>
/// <list type="bullet">
/// <item><description><c>&lt;!-- snippet-setup: var builder = Host.CreateApplicationBuilder(); --&gt;</c>: C# statements
/// compiled before the block (using directives in it go to the top of the program, with the block's own).</description></item>
/// <item><description><c>&lt;!-- snippet-types: record TranscodeJob(int Id); --&gt;</c>: declarations compiled after the
/// block.</description></item>
/// <item><description><c>&lt;!-- snippet: skip (the reason) --&gt;</c>: the block is not compiled and shows as a skipped
/// case with that reason; the reason is required.</description></item>
/// </list>
/// <para>
/// <see cref="Every_skip_has_a_reason_and_every_snippet_comment_stands_directly_above_a_csharp_block"/> fails on a skip
/// without a reason, on a setup, types or skip comment that no C# block follows, and on an unknown <c>snippet</c> comment.
/// </para>
/// </remarks>
public sealed class DocumentationSnippetTests
{
    public static TheoryData<string> Blocks
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var block in DocumentationSnippets.All.Blocks)
            {
                data.Add(block.Name);
            }

            return data;
        }
    }

    [SnippetTheory]
    [MemberData(nameof(Blocks))]
    public void The_block_compiles(string block)
    {
        var snippet = DocumentationSnippets.All.Find(block);
        if (snippet.SkipReason is not null)
        {
            return; // reported as skipped by SnippetTheoryDiscoverer
        }

        var errors = SnippetCompiler.Errors(snippet);
        if (errors.Count > 0)
        {
            Assert.Fail(SnippetCompiler.Describe(snippet, errors));
        }
    }

    [Fact]
    public void Every_skip_has_a_reason_and_every_snippet_comment_stands_directly_above_a_csharp_block()
    {
        var problems = DocumentationSnippets.All.Problems;

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}

/// <summary>A line of a compiled snippet and where it comes from, for error messages.</summary>
public sealed record SnippetLine(string Text, string Origin);

/// <summary>A C# block of a Markdown file, with the context its snippet comments give it.</summary>
public sealed record DocumentationBlock(
    string Path,
    int Line,
    IReadOnlyList<SnippetLine> Code,
    IReadOnlyList<SnippetLine> Setup,
    IReadOnlyList<SnippetLine> Types,
    string? SkipReason)
{
    /// <summary>The case's name: the file and the line of the opening fence.</summary>
    public string Name => $"{Path}:{Line.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The C# blocks of README.md and docs/*.md, and the misuses of snippet comments found while reading them.</summary>
public sealed class DocumentationSnippets
{
    private static readonly Lazy<DocumentationSnippets> AllSnippets = new(() => Read(FindRepositoryRoot()));

    private DocumentationSnippets(IReadOnlyList<DocumentationBlock> blocks, IReadOnlyList<string> problems)
    {
        Blocks = blocks;
        Problems = problems;
    }

    public static DocumentationSnippets All => AllSnippets.Value;

    public IReadOnlyList<DocumentationBlock> Blocks { get; }

    public IReadOnlyList<string> Problems { get; }

    public DocumentationBlock Find(string name) => Blocks.Single(block => block.Name == name);

    public static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Broker.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Broker.sln.");
    }

    public static DocumentationSnippets Read(string root)
    {
        var files = new List<string> { "README.md" };
        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
        {
            files.AddRange(Directory.EnumerateFiles(docs, "*.md")
                .Select(file => "docs/" + Path.GetFileName(file))
                .Order(StringComparer.Ordinal));
        }

        var blocks = new List<DocumentationBlock>();
        var problems = new List<string>();
        foreach (var file in files)
        {
            MarkdownSnippetReader.Read(file, File.ReadAllLines(Path.Combine(root, file)), blocks, problems);
        }

        return new DocumentationSnippets(blocks, problems);
    }
}

/// <summary>Finds the fenced C# blocks of one Markdown file and the snippet comments above them.</summary>
public static class MarkdownSnippetReader
{
    private enum CommentKind
    {
        Setup,
        Types,
        Skip,
    }

    public static void Read(string path, IReadOnlyList<string> lines, List<DocumentationBlock> blocks, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(problems);
        var pending = new List<(CommentKind Kind, int Line, string Argument, List<SnippetLine> Code)>();

        void Orphan()
        {
            foreach (var comment in pending)
            {
                var name = comment.Kind switch
                {
                    CommentKind.Setup => "snippet-setup",
                    CommentKind.Types => "snippet-types",
                    _ => "snippet: skip",
                };
                problems.Add($"{path}:{Num(comment.Line)}: this <!-- {name} --> comment is not directly followed by a ```csharp block.");
            }

            pending.Clear();
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (TryOpenFence(line, out var indent, out var fence, out var info))
            {
                var fenceLine = i + 1;
                var code = new List<SnippetLine>();
                var closed = false;
                for (i++; i < lines.Count; i++)
                {
                    if (Closes(lines[i], fence))
                    {
                        closed = true;
                        break;
                    }

                    code.Add(new SnippetLine(Unindent(lines[i], indent), $"{path}:{Num(i + 1)} (block line {Num(code.Count + 1)})"));
                }

                if (!IsCSharp(info))
                {
                    Orphan();
                    continue;
                }

                if (!closed)
                {
                    problems.Add($"{path}:{Num(fenceLine)}: the ```csharp block is never closed.");
                }

                string? skip = null;
                foreach (var comment in pending.Where(comment => comment.Kind == CommentKind.Skip))
                {
                    skip = comment.Argument.Length > 0 ? comment.Argument : "no reason given";
                }

                blocks.Add(new DocumentationBlock(
                    path,
                    fenceLine,
                    code,
                    [.. pending.Where(comment => comment.Kind == CommentKind.Setup).SelectMany(comment => comment.Code)],
                    [.. pending.Where(comment => comment.Kind == CommentKind.Types).SelectMany(comment => comment.Code)],
                    skip));
                pending.Clear();
                continue;
            }

            if (!trimmed.StartsWith("<!--", StringComparison.Ordinal))
            {
                Orphan();
                continue;
            }

            // An HTML comment, to the line holding "-->".
            var commentLine = i + 1;
            var text = new StringBuilder(line[(line.IndexOf("<!--", StringComparison.Ordinal) + 4)..]);
            while (!text.ToString().Contains("-->", StringComparison.Ordinal) && i + 1 < lines.Count)
            {
                text.Append('\n').Append(lines[++i]);
            }

            var content = text.ToString();
            var end = content.IndexOf("-->", StringComparison.Ordinal);
            content = end < 0 ? content : content[..end];
            var body = content.TrimStart();
            commentLine += content[..(content.Length - body.Length)].Count(c => c == '\n');
            if (!body.StartsWith("snippet", StringComparison.Ordinal))
            {
                Orphan(); // any other comment is content between a snippet comment and its block
                continue;
            }

            if (TryCode(body, "snippet-setup:", path, commentLine, out var setup))
            {
                pending.Add((CommentKind.Setup, commentLine, "", setup));
            }
            else if (TryCode(body, "snippet-types:", path, commentLine, out var types))
            {
                pending.Add((CommentKind.Types, commentLine, "", types));
            }
            else if (body.StartsWith("snippet:", StringComparison.Ordinal)
                && body["snippet:".Length..].Trim().StartsWith("skip", StringComparison.Ordinal))
            {
                var reason = body["snippet:".Length..].Trim()["skip".Length..].Trim();
                var given = reason.Length >= 2 && reason[0] == '(' && reason[^1] == ')' ? reason[1..^1].Trim() : "";
                if (given.Length == 0)
                {
                    problems.Add($"{path}:{Num(commentLine)}: a skipped block needs a reason: <!-- snippet: skip (why it cannot compile) -->.");
                }

                pending.Add((CommentKind.Skip, commentLine, given, []));
            }
            else
            {
                problems.Add($"{path}:{Num(commentLine)}: unknown snippet comment \"{body.Split('\n')[0].Trim()}\" (known: snippet-setup:, snippet-types:, snippet: skip (reason)).");
            }
        }

        Orphan();
    }

    private static bool TryCode(string body, string prefix, string path, int line, out List<SnippetLine> code)
    {
        code = [];
        if (!body.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var kind = prefix.TrimEnd(':');
        var codeLines = body[prefix.Length..].TrimEnd().Split('\n');
        for (var k = 0; k < codeLines.Length; k++)
        {
            code.Add(new SnippetLine(codeLines[k], $"{path}:{Num(line + k)} ({kind})"));
        }

        return true;
    }

    private static bool TryOpenFence(string line, out int indent, out string fence, out string info)
    {
        indent = line.Length - line.TrimStart(' ').Length;
        fence = "";
        info = "";
        var rest = line[indent..];
        if (rest.Length < 3 || (rest[0] != '`' && rest[0] != '~')) // any indent: a fence in a list item counts too
        {
            return false;
        }

        var length = rest.TakeWhile(c => c == rest[0]).Count();
        if (length < 3 || (rest[0] == '`' && rest[length..].Contains('`', StringComparison.Ordinal)))
        {
            return false;
        }

        fence = rest[..length];
        info = rest[length..].Trim().Split(' ', 2)[0];
        return true;
    }

    private static bool Closes(string line, string fence)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]);
    }

    private static string Unindent(string line, int indent)
    {
        var spaces = line.Length - line.TrimStart(' ').Length;
        return line[Math.Min(spaces, indent)..];
    }

    private static bool IsCSharp(string info) =>
        info.Equals("csharp", StringComparison.OrdinalIgnoreCase)
        || info.Equals("cs", StringComparison.OrdinalIgnoreCase)
        || info.Equals("c#", StringComparison.OrdinalIgnoreCase);

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Compiles a documentation block as a console program with top-level statements.</summary>
public static class SnippetCompiler
{
    /// <summary>The namespaces a documentation block may use without a using directive (each one exists).</summary>
    public static readonly ImmutableArray<string> GlobalUsings =
    [
        "System",
        "System.Collections.Generic",
        "System.Linq",
        "System.Threading",
        "System.Threading.Tasks",
        "System.Text",
        "System.Text.Json",
        "Broker",
        "Broker.Queues",
        "Broker.Topics",
        "Broker.Streams",
        "Broker.Streams.Processing",
        "Broker.Filtering",
        "Broker.Hosting",
        "Broker.Testing",
        "Microsoft.Extensions.DependencyInjection",
        "Microsoft.Extensions.Hosting",
        "Microsoft.Extensions.Time.Testing",
        "Xunit",
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly SyntaxTree GlobalUsingsTree = CSharpSyntaxTree.ParseText(
        string.Concat(GlobalUsings.Select(name => $"global using {name};\n")), ParseOptions, "GlobalUsings.cs");

    private static readonly Lazy<CSharpCompilation> Empty = new(() => CSharpCompilation.Create(
        "DocumentationSnippet",
        [GlobalUsingsTree],
        References(),
        new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable)));

    /// <summary>The program a block compiles as: using directives, snippet-setup, the block, snippet-types.</summary>
    public static IReadOnlyList<SnippetLine> Program(DocumentationBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var (setupUsings, setup) = SplitUsings(block.Setup);
        var (codeUsings, code) = SplitUsings(block.Code);
        return [.. setupUsings, .. codeUsings, .. setup, .. code, .. block.Types];
    }

    /// <summary>Every error of the block's program, with the line of the block (or of a snippet comment) it is on.</summary>
    public static IReadOnlyList<string> Errors(DocumentationBlock block)
    {
        var program = Program(block);
        var tree = CSharpSyntaxTree.ParseText(string.Join('\n', program.Select(line => line.Text)), ParseOptions, "Program.cs");
        return
        [
            .. Empty.Value.AddSyntaxTrees(tree).GetDiagnostics()
                .Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error && diagnostic.Id != "CS5001") // a block of declarations only has no entry point
                .OrderBy(diagnostic => diagnostic.Location.SourceTree == tree)
                .ThenBy(diagnostic => diagnostic.Location.SourceSpan.Start)
                .Select(diagnostic => $"{Where(diagnostic, tree, program)}: {diagnostic.Id}: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}"),
        ];
    }

    public static string Describe(DocumentationBlock block, IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(errors);
        var text = new StringBuilder()
            .Append(block.Name).Append(" does not compile (").Append(errors.Count.ToString(CultureInfo.InvariantCulture))
            .AppendLine(errors.Count == 1 ? " error):" : " errors):");
        foreach (var error in errors)
        {
            text.Append("  ").AppendLine(error);
        }

        text.AppendLine("The block:");
        AppendLines(text, block.Setup, "setup");
        for (var i = 0; i < block.Code.Count; i++)
        {
            AppendLines(text, [block.Code[i]], (i + 1).ToString(CultureInfo.InvariantCulture));
        }

        AppendLines(text, block.Types, "types");
        return text.ToString();
    }

    private static void AppendLines(StringBuilder text, IEnumerable<SnippetLine> lines, string label)
    {
        foreach (var line in lines)
        {
            text.Append(label.PadLeft(6)).Append(" | ").AppendLine(line.Text);
        }
    }

    private static string Where(Diagnostic diagnostic, SyntaxTree tree, IReadOnlyList<SnippetLine> program)
    {
        if (!diagnostic.Location.IsInSource)
        {
            return "(no line)";
        }

        var position = diagnostic.Location.GetLineSpan().StartLinePosition;
        var column = (position.Character + 1).ToString(CultureInfo.InvariantCulture);
        if (diagnostic.Location.SourceTree != tree)
        {
            return $"global usings line {(position.Line + 1).ToString(CultureInfo.InvariantCulture)}";
        }

        return position.Line < program.Count ? $"{program[position.Line].Origin}, column {column}" : "(end of the program)";
    }

    private static (IReadOnlyList<SnippetLine> Usings, IReadOnlyList<SnippetLine> Others) SplitUsings(IReadOnlyList<SnippetLine> lines)
    {
        var root = (Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax)CSharpSyntaxTree
            .ParseText(string.Join('\n', lines.Select(line => line.Text)), ParseOptions)
            .GetRoot();
        var directives = root.Externs.Select(node => node.Span).Concat(root.Usings.Select(node => node.Span)).ToList();
        if (directives.Count == 0)
        {
            return ([], lines);
        }

        var last = root.SyntaxTree.GetLineSpan(new TextSpan(directives.Max(span => span.End), 0)).StartLinePosition.Line;
        return ([.. lines.Take(last + 1)], [.. lines.Skip(last + 1)]);
    }

    /// <summary>Every assembly of the runtime (its trusted platform assemblies) and of this test's output folder, once each.</summary>
    private static IEnumerable<MetadataReference> References()
    {
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in platform.Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll").Order(StringComparer.Ordinal)))
        {
            if (file.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && !byName.ContainsKey(Path.GetFileNameWithoutExtension(file)) && HasMetadata(file))
            {
                byName[Path.GetFileNameWithoutExtension(file)] = file;
            }
        }

        return byName.Values.Select(file => MetadataReference.CreateFromFile(file));
    }

    private static bool HasMetadata(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            using var reader = new PEReader(stream);
            return reader.HasMetadata;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}

/// <summary>A theory over documentation blocks: each block is its own case, named <c>path:line</c>, skipped when its
/// Markdown says so.</summary>
[XunitTestCaseDiscoverer("Broker.Testing.Tests.Documentation.SnippetTheoryDiscoverer", "Broker.Testing.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SnippetTheoryAttribute : TheoryAttribute;

/// <summary>Makes one case per block, a skipped one (with the Markdown's reason) for a block marked
/// <c>&lt;!-- snippet: skip (reason) --&gt;</c>: xunit 2 has no skip decided at run time.</summary>
public sealed class SnippetTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow)
    {
        ArgumentNullException.ThrowIfNull(dataRow);
        var display = discoveryOptions.MethodDisplayOrDefault();
        var options = discoveryOptions.MethodDisplayOptionsOrDefault();
        var block = DocumentationSnippets.All.Find((string)dataRow[0]);
        return block.SkipReason is { } reason
            ? [new SkippedSnippetTestCase(DiagnosticMessageSink, display, options, testMethod, reason, dataRow)]
            : [new SnippetTestCase(DiagnosticMessageSink, display, options, testMethod, dataRow)];
    }
}

/// <summary>A block's case, displayed as <c>path:line</c>.</summary>
public sealed class SnippetTestCase : XunitTestCase
{
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer only.")]
    public SnippetTestCase()
    {
    }

    public SnippetTestCase(
        IMessageSink diagnosticMessageSink,
        TestMethodDisplay defaultMethodDisplay,
        TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod,
        object[] testMethodArguments)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, testMethodArguments)
    {
    }

    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) => (string)TestMethodArguments[0];
}

/// <summary>A skipped block's case, displayed as <c>path:line</c>.</summary>
public sealed class SkippedSnippetTestCase : XunitSkippedDataRowTestCase
{
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer only.")]
    public SkippedSnippetTestCase()
    {
    }

    public SkippedSnippetTestCase(
        IMessageSink diagnosticMessageSink,
        TestMethodDisplay defaultMethodDisplay,
        TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod,
        string skipReason,
        object[] testMethodArguments)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, skipReason, testMethodArguments)
    {
    }

    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) => (string)TestMethodArguments[0];
}
