using System.CommandLine;

namespace CementQuant.Cli;

/// <summary>
/// Wrong usage caught before a command runs, so it always ends as exit 64 with one clear line and a usage hint:
/// a mistyped command (<c>analyse</c>: "did you mean 'analyze'?") and an unknown option (<c>--quiet</c> where a
/// command has no such option), which the variadic input argument would otherwise take for a path (exit 3).
/// </summary>
internal static class UsageCheck
{
    /// <summary>The message for the first usage error in <paramref name="args"/>, or null when there is none.</summary>
    public static string? Find(RootCommand root, IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith('-')) return null;
        var command = root.Subcommands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            var names = root.Subcommands.Select(c => c.Name).ToList();
            var guess = Closest(args[0], names);
            return $"cementquant: unknown command '{args[0]}'" + (guess is null ? "" : $"; did you mean '{guess}'?") + $" Commands: {string.Join(", ", names)}.";
        }
        // The command's own options and the program's recursive ones (--help and its aliases).
        var known = command.Options.Concat(root.Options.Where(o => o.Recursive)).SelectMany(o => o.Aliases.Append(o.Name))
            .ToHashSet(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--") break; // everything after is an operand, even "-x"
            if (!LooksLikeOption(token)) continue;
            var name = token.Split('=', 2)[0];
            if (known.Contains(name)) continue;
            var guess = Closest(name, known.Where(k => k.StartsWith("--", StringComparison.Ordinal)));
            return $"cementquant {command.Name}: unknown option '{name}'" + (guess is null ? "" : $"; did you mean '{guess}'?");
        }
        return null;
    }

    /// <summary>The usage line of a command (or of the program), for the line after a usage error.</summary>
    public static string Hint(RootCommand root, IReadOnlyList<string> args) =>
        args.Count > 0 && root.Subcommands.Any(c => c.Name == args[0]) ? $"See 'cementquant {args[0]} --help'." : "See 'cementquant --help'.";

    /// <summary>A token that names an option: starts with '-' and is not a number (a negative value) nor "-" (stdin).</summary>
    private static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && !double.TryParse(token, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);

    /// <summary>The candidate nearest to <paramref name="word"/> by edit distance, when it is near enough to be a typo
    /// (at most a third of the word's length, at least 2).</summary>
    internal static string? Closest(string word, IEnumerable<string> candidates)
    {
        string? best = null; var bestD = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = EditDistance(word, c);
            if (d < bestD) { bestD = d; best = c; }
        }
        return bestD <= Math.Max(2, word.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance.</summary>
    internal static int EditDistance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
