package io.rlrf.reward.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.rlrf.cli.RlrfCli;
import io.rlrf.common.testing.FakeChatCompletionsServer;
import io.rlrf.common.testing.FakeChatCompletionsServer.Reply;

/**
 * {@code rlrf just-eval} against this reward-svc over real gRPC on loopback, its model judge on the
 * OpenAI-compatible backend pointed at {@link FakeChatCompletionsServer}, a real local HTTP server
 * speaking the chat-completions API. No language model can run on the build machines, so the judge's
 * replies are scripted: the rating follows the aspect named in the rating prompt (helpfulness 3,
 * clarity 2, factuality 3, depth 1, engagement 2, safety 3), except that helpfulness is 1 for the
 * Broadway prompt, and the reply for depth on that prompt never matches the schema (a judge failure).
 * The table's means are therefore known in advance. The answers are the shipped file's own outputs
 * (Llama-2-7b-chat's), four regular items and two safety items, in Just-Eval's format.
 */
@QuarkusTest
@TestProfile(JustEvalCliTest.Profile.class)
class JustEvalCliTest {

    /** The scripted judge, for the application's lifetime. */
    public static class ScriptedJudge implements QuarkusTestResourceLifecycleManager {
        static volatile FakeChatCompletionsServer server;

        private static final Map<String, Integer> RATINGS = Map.of("Helpfulness", 3, "Clarity", 2, "Factuality", 3,
                "Depth", 1, "Engagement", 2, "Safety", 3);

        /** The scripted reply to one judge request. */
        static Reply reply(JsonNode request) {
            String all = request.path("messages").toString(); // a retry adds the correction after the rating prompt
            String aspect = RATINGS.keySet().stream()
                    .filter(a -> all.contains("Rate the answer below on one aspect only: " + a + "."))
                    .findFirst().orElse(null);
            if (aspect == null) {
                return Reply.status(400, "{\"error\": \"not a rating prompt\"}");
            }
            boolean broadway = all.contains("started their careers on Broadway");
            if (broadway && aspect.equals("Depth")) {
                return Reply.content("Depth: 1/3, rather thin.");
            }
            int rating = broadway && aspect.equals("Helpfulness") ? 1 : RATINGS.get(aspect);
            return Reply.content("{\"rating\": " + rating + ", \"critique\": \""
                    + (rating == 3 ? "" : "Scripted critique of " + aspect + ".") + "\"}");
        }

        @Override
        public Map<String, String> start() {
            server = new FakeChatCompletionsServer().respondWith(ScriptedJudge::reply);
            return Map.of("rlrf.reward.model-judge.backend", "openai",
                    "rlrf.reward.model-judge.openai.url", server.baseUrl(),
                    "rlrf.reward.model-judge.openai.model", "scripted-judge",
                    "rlrf.reward.model-judge.max-attempts", "2",
                    "rlrf.reward.cache.enabled", "false");
        }

        @Override
        public void stop() {
            server.close();
        }
    }

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ScriptedJudge.class));
        }
    }

    record Result(int status, String out, String err) {
    }

    /** Runs the CLI in this JVM against this test's reward-svc. */
    static Result cli(String... args) {
        String[] withTarget = new String[args.length + 2];
        System.arraycopy(args, 0, withTarget, 0, args.length);
        withTarget[args.length] = "--reward";
        withTarget[args.length + 1] = "127.0.0.1:" + RestAssured.port;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = RlrfCli.run(withTarget, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The first four regular and first two safety items of the shipped file, as they are there (outputs included). */
    static Path outputsFile() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode shipped;
        try (var in = RlrfCli.class.getResourceAsStream("/io/rlrf/tasks/datasets/just-eval/just_eval_instruct_1000.json")) {
            shipped = json.readTree(in);
        }
        ArrayNode chosen = json.createArrayNode();
        int regular = 0;
        int safety = 0;
        for (JsonNode item : shipped) {
            boolean isSafety = item.path("category").asText().equals("safety");
            if (!isSafety && regular < 4) {
                chosen.add(item);
                regular++;
            } else if (isSafety && safety < 2) {
                chosen.add(item);
                safety++;
            }
        }
        return Files.writeString(Files.createTempFile("just-eval-outputs", ".json"), chosen.toString());
    }

    @Test
    void theTableGivesEachAspectsMeanItemsRatedAndJudgeFailures() throws Exception {
        Path outputs = outputsFile();
        Path report = Files.createTempDirectory("just-eval").resolve("report.json");
        int before = ScriptedJudge.server.requests().size();
        Result r = cli("just-eval", "--outputs", outputs.toString(), "--batch-size", "4", "--out", report.toString());
        System.out.println("--- rlrf just-eval output on the scripted judge ---\n" + r.out() + r.err());

        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("Just-Eval: 6 item(s) (4 regular, 2 safety); answers: the outputs in "), lines.get(0));
        assertEquals("judge: model-openai (rubric flask-justeval-3level-v2+model-rubric-v1); 0 item(s) with an empty "
                + "answer were not judged", lines.get(1));
        assertEquals(List.of(
                "ASPECT        MEAN  RATED  JUDGE FAILURES",
                "helpfulness   2.67      6               0",
                "clarity       2.00      6               0",
                "factuality    3.00      6               0",
                "depth         1.00      5               1",
                "engagement    2.00      6               0",
                "safety        3.00      2               0"), lines.subList(2, 9));
        assertTrue(lines.get(9).contains("not Just-Eval's 1-5"), lines.get(9));
        // 6 items x 5 aspects + 2 safety ratings, and the failed depth item's second attempt.
        assertEquals(6 * 5 + 2 + 1, ScriptedJudge.server.requests().size() - before);

        JsonNode written = new ObjectMapper().readTree(report.toFile());
        assertEquals("1-3", written.get("scale").asText());
        assertEquals(6, written.get("results").size());
        JsonNode broadway = written.get("results").get(0);
        assertEquals("0", broadway.get("id").asText());
        assertEquals(1, broadway.get("ratings").get("helpfulness").get("rating").asInt());
        assertEquals("Scripted critique of Helpfulness.", broadway.get("ratings").get("helpfulness").get("critique").asText());
        assertTrue(broadway.get("judge_failures").get("depth").asText().contains("after 2 attempts"), broadway.toString());
        assertTrue(written.get("results").get(4).get("ratings").has("safety"), "safety items are rated on safety");
        assertTrue(!written.get("results").get(0).get("ratings").has("safety"), "regular items are not");
    }

    @Test
    void aBatchAboveTheServersMaxBatchIsRefusedNamingTheSetting() throws Exception {
        Result r = cli("just-eval", "--outputs", outputsFile().toString()); // default --batch-size 16; the test server allows 4
        assertEquals(1, r.status(), r.out());
        assertTrue(r.err().contains("answered RESOURCE_EXHAUSTED") && r.err().contains("rlrf.reward.limits.max-batch"),
                r.err());
    }

    @Test
    void categoryAndLimitChooseTheItemsAndABadOutputsFileIsBadUsage() throws Exception {
        Result safety = cli("just-eval", "--outputs", outputsFile().toString(), "--category", "safety", "--limit", "1");
        assertEquals(0, safety.status(), safety.err());
        assertTrue(safety.out().startsWith("Just-Eval: 1 item(s) (0 regular, 1 safety)"), safety.out());
        assertTrue(safety.out().contains("safety        3.00      1               0"), safety.out());

        Path noOutput = Files.writeString(Files.createTempFile("just-eval", ".json"),
                "[{\"id\": 3, \"instruction\": \"Say hi.\", \"category\": \"regular\"}]");
        Result bad = cli("just-eval", "--outputs", noOutput.toString());
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("item 0 (id 3) has no 'output' to judge"), bad.err());
    }
}
