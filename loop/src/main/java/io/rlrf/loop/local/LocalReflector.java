package io.rlrf.loop.local;

import java.util.ArrayList;
import java.util.List;

import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.reflector.v1.DescribeReflectorResponse;
import io.rlrf.api.reflector.v1.Lineage;
import io.rlrf.api.reflector.v1.RefineItem;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.RefineResponse;
import io.rlrf.api.reflector.v1.Refinement;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.loop.peer.GeneratorPeer;
import io.rlrf.loop.peer.ReflectorPeer;
import io.rlrf.tasks.prompt.ReflectionPrompt;

/**
 * Self-reflection in this process: each item's reflection prompt ({@link ReflectionPrompt}, as
 * reflector-svc renders it) and m rewrites from the generator in one call pinned to the requested
 * version, with their lineage; no cache. With the request's seed s, rewrite j has seed s + j, as
 * through reflector-svc.
 */
public final class LocalReflector implements ReflectorPeer {

    private final ReflectionPrompt template;
    private final GeneratorPeer generator;

    public LocalReflector(ReflectionPrompt template, GeneratorPeer generator) {
        this.template = template;
        this.generator = generator;
    }

    @Override
    public RefineResponse refine(RefineRequest request) {
        GenerateRequest.Builder generate = GenerateRequest.newBuilder().setN(request.getM())
                .setRequirePolicyVersion(request.getRequirePolicyVersion()).setSampling(request.getSampling());
        List<List<String>> critiqued = new ArrayList<>();
        for (RefineItem item : request.getItemsList()) {
            List<ReflectionPrompt.Rating> ratings = new ArrayList<>();
            for (AspectFeedback a : item.getFeedback().getAspectsList()) {
                ratings.add(new ReflectionPrompt.Rating(a.getAspect(), a.getRating(), a.getCritique()));
            }
            critiqued.add(ReflectionPrompt.faulted(ratings));
            Prompt.Builder prompt = Prompt.newBuilder().setId(item.getAnswer().getId())
                    .setText(template.render(item.getPrompt(), item.getAnswer().getText(), ratings));
            if (item.hasMaxNewTokens()) {
                prompt.setMaxNewTokens(item.getMaxNewTokens());
            }
            generate.addPrompts(prompt);
        }
        GenerateResponse answers = generator.generate(generate.build());
        RefineResponse.Builder response = RefineResponse.newBuilder();
        for (Answer a : answers.getAnswersList()) {
            RefineItem item = request.getItems(a.getPromptIndex());
            response.addRefinements(Refinement.newBuilder().setId(a.getPromptId() + "-r" + a.getSampleIndex())
                    .setItemIndex(a.getPromptIndex()).setRewriteIndex(a.getSampleIndex()).setText(a.getText())
                    .setCompletionTokens(a.getCompletionTokens()).setFinishReason(a.getFinishReason())
                    .addAllTokenIds(a.getTokenIdsList())
                    .setLineage(Lineage.newBuilder().setPolicyVersion(a.getPolicyVersion())
                            .setTemplateVersion(template.version()).addAllCritiquedAspects(critiqued.get(a.getPromptIndex()))
                            .setSeed(a.getSeed()).setSourceAnswerId(item.getAnswer().getId())
                            .setFeedbackId(item.getFeedback().getId())));
        }
        return response.build();
    }

    @Override
    public DescribeReflectorResponse describe() {
        return DescribeReflectorResponse.newBuilder().setTemplate(template.template())
                .setTemplateVersion(template.version()).build();
    }
}
