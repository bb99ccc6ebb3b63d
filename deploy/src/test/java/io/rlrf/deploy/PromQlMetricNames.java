package io.rlrf.deploy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The metric names a PromQL expression selects, and the expressions of the alert rules and the
 * Grafana dashboard. Enough PromQL for what deploy/ writes: string literals, label matchers,
 * range and subquery brackets, grouping clauses ({@code by}, {@code on}, ...) and Grafana
 * variables are removed, then every remaining identifier that is not a function call, an operator
 * keyword or a number is a metric name. A {@code __name__} matcher is refused, so every name stays
 * checkable.
 */
final class PromQlMetricNames {

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern BRACES = Pattern.compile("\\{[^{}]*\\}");
    private static final Pattern BRACKETS = Pattern.compile("\\[[^\\[\\]]*\\]");
    private static final Pattern GROUPING = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{?\\w+\\}?");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![0-9.\\w])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "atan2", "inf", "nan", "Inf", "NaN");

    private PromQlMetricNames() {
    }

    /** The metric names {@code expr} selects, in order of appearance. */
    static Set<String> of(String expr) {
        if (expr.contains("__name__")) {
            throw new IllegalArgumentException("a __name__ matcher hides which metrics are used; name them: " + expr);
        }
        String s = GRAFANA_VARIABLE.matcher(STRING.matcher(expr).replaceAll("\"\"")).replaceAll("1m");
        s = BRACES.matcher(s).replaceAll(" ");
        s = BRACKETS.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String id = m.group(1);
            boolean call = m.group(2) != null;
            if (!call && !KEYWORDS.contains(id)) {
                names.add(id);
            }
        }
        return names;
    }

    /** Every {@code expr} of the alert rules in a rules file (groups[].rules[].expr). */
    static List<String> ruleExpressions(JsonNode rulesFile) {
        List<String> out = new ArrayList<>();
        for (JsonNode group : rulesFile.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                out.add(rule.get("expr").asText());
            }
        }
        return out;
    }

    /** Every target {@code expr} of every panel in a Grafana dashboard (rows' nested panels too). */
    static List<String> dashboardExpressions(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        collect(dashboard.get("panels"), out);
        return out;
    }

    private static void collect(JsonNode panels, List<String> out) {
        if (panels == null) {
            return;
        }
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                if (t.has("expr")) {
                    out.add(t.get("expr").asText());
                }
            }
            collect(p.get("panels"), out);
        }
    }
}
