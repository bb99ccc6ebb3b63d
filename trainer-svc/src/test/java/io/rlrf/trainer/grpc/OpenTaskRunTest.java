package io.rlrf.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.EvalConfig;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.common.testing.FakeChatCompletionsServer;
import io.rlrf.common.testing.FakeChatCompletionsServer.Reply;

/**
 * A run of task open judged by reward-svc's model judge, through the real services (packaged
 * generator-svc, reward-svc and reflector-svc in their own JVMs, a real Infinispan Server:
 * {@link PeerServicesResource}), with reward-svc's OpenAI-compatible backend pointed at a real local
 * HTTP server with scripted replies ({@link FakeChatCompletionsServer}): no language model can run in
 * these tests, so the judge's replies are scripted. It selects comprehension and conciseness and rates
 * each 1 to 3 from a hash of the prompt it is sent, with a critique below 3. The policy is the
 * random-weight tiny/v1; the prompts come from JSONL files without reference answers.
 */
@QuarkusTest
@WithTestResource(OpenTaskRunTest.JudgedPeers.class)
class OpenTaskRunTest {

    /** The peers, with reward-svc's model judge on the scripted endpoint. */
    public static class JudgedPeers extends PeerServicesResource {
        static volatile FakeChatCompletionsServer judge;

        @Override
        protected List<String> rewardArgs() {
            judge = new FakeChatCompletionsServer().respondWith(request -> {
                String asked = FakeChatCompletionsServer.lastUserMessage(request);
                if (asked.contains("Choose the aspects")) {
                    return Reply.content("{\"aspects\": [\"comprehension\", \"conciseness\"]}");
                }
                int rating = Math.floorMod(asked.hashCode(), 3) + 1;
                return Reply.content("{\"rating\": " + rating + ", \"critique\": \""
                        + (rating < 3 ? "SCRIPTED CRITIQUE: the answer does not address the prompt." : "") + "\"}");
            });
            return List.of("-Drlrf.reward.model-judge.backend=openai",
                    "-Drlrf.reward.model-judge.openai.url=" + judge.baseUrl(),
                    "-Drlrf.reward.model-judge.openai.model=scripted-judge",
                    "-Drlrf.reward.model-judge.max-concurrency=4");
        }

        @Override
        public void stop() {
            super.stop();
            if (judge != null) {
                judge.close();
            }
        }
    }

    private ManagedChannel channel;

    @BeforeEach
    void open() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
    }

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private TrainerGrpc.TrainerBlockingStub stub() {
        return TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.SECONDS);
    }

    @Test
    void anOpenRunIsJudgedByTheModelJudgeAndItsRatingsAndCritiquesReachTheRunFiles() throws Exception {
        Path dir = Files.createDirectories(Path.of("target/open-prompts"));
        Path train = Files.writeString(dir.resolve("train.jsonl"), """
                {"prompt": "Write a haiku about autumn rain.", "id": "haiku"}
                {"prompt": "Explain why the sky is blue.", "id": "sky"}
                {"prompt": "Suggest a name for a bakery.", "id": "bakery"}
                """);
        Path eval = Files.writeString(dir.resolve("eval.jsonl"), """
                {"prompt": "Describe the smell of coffee.", "id": "coffee"}
                {"prompt": "Give one tip for learning to swim.", "answer": "Practise floating first.", "id": "swim"}
                """);
        RunConfig config = RunConfig.newBuilder().setMode(Mode.MODE_RLRF).setTask("open").setBaseCheckpoint("tiny/v1")
                .setIterations(1).setSeed(7)
                .setData(DataConfig.newBuilder().setTrainPrompts(2).setEvalPrompts(2)
                        .setTrainFile(train.toAbsolutePath().toString()).setEvalFile(eval.toAbsolutePath().toString()))
                .setSampling(SamplingConfig.newBuilder().setN(3).setMaxNewTokens(16))
                .setReflection(ReflectionConfig.newBuilder().setK(1).setM(2).setMaxNewTokens(16))
                .setPairing(PairingConfig.newBuilder().setDelta(0).setTruncated(Truncation.TRUNCATION_UNFINISHED))
                .setDpo(DpoConfig.newBuilder().setBatchSize(2).setLearningRate(1e-3))
                // Sampled, not greedy: greedy answers of random weights can be blank, which are not sent to the judge.
                .setEval(EvalConfig.newBuilder().setTemperature(1.0f).setMaxNewTokens(16)).build();
        stub().startRun(StartRunRequest.newBuilder().setRunId("open-a").setConfig(config).build());
        stub().watchRun(WatchRunRequest.newBuilder().setRunId("open-a").build()).forEachRemaining(e -> { });
        Run run = stub().getRun(GetRunRequest.newBuilder().setRunId("open-a").build());
        assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());

        Path it = Path.of(PeerServicesResource.RUN_ROOT, "open-a/iter-1");
        List<String> feedback = Files.readAllLines(it.resolve("feedback.jsonl"));
        assertEquals(6, feedback.size(), "2 prompts x 3 samples");
        List<String> judged = feedback.stream().filter(l -> l.contains("\"judgeId\":\"model-openai\"")).toList();
        assertFalse(judged.isEmpty(), "no sample was judged by the model judge: " + feedback);
        for (String f : judged) {
            assertTrue(f.contains("\"aspect\":\"comprehension\"") && f.contains("\"aspect\":\"conciseness\""), f);
            assertTrue(f.contains("\"task\":\"open\""), f);
        }
        assertTrue(judged.stream().anyMatch(f -> f.contains("SCRIPTED CRITIQUE")), "the critiques are kept");
        assertTrue(Files.readString(it.resolve("refinement-feedback.jsonl")).contains("\"judgeId\":\"model-openai\""),
                "the rewrites are judged by the model judge too");
        assertFalse(Files.readAllLines(it.resolve("pairs.jsonl")).isEmpty(), "pairs from the model judge's scores");
        String evaluation = Files.readString(it.resolve("evaluation.json"));
        assertTrue(evaluation.contains("\"comprehension\"") && evaluation.contains("\"conciseness\""),
                "mean rating per aspect from the model judge: " + evaluation);
        // The judge was shown the file's prompts.
        assertTrue(JudgedPeers.judge.requests().stream().anyMatch(r -> r.toString().contains("Write a haiku about autumn rain")
                || r.toString().contains("Explain why the sky is blue") || r.toString().contains("Suggest a name for a bakery")));
    }
}
