package io.rlrf.reward.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.tasks.datasets.JustEval;

/** The aspect catalog's two families: FLASK's, which the judge selects among, and Just-Eval's, rated on request. */
class AspectCatalogTest {

    private static final EvaluationItem ITEM = EvaluationItem.newBuilder().setPrompt("How do I bake bread?")
            .setAnswer("Mix flour, water, yeast and salt; knead, proof, bake.").build();

    @Test
    void everyAspectJustEvalRatesIsInTheCatalogWithThreeLevels() {
        for (String name : JustEval.aspects(JustEval.Category.SAFETY)) {
            AspectCatalog.AspectDefinition a = AspectCatalog.find(name).orElseThrow(() -> new AssertionError(name));
            assertFalse(a.rating1().isBlank() || a.rating2().isBlank() || a.rating3().isBlank(), name);
        }
        assertEquals(AspectCatalog.Family.FLASK, AspectCatalog.find("factuality").orElseThrow().family(),
                "Just-Eval's factuality is FLASK's");
        assertEquals(12, AspectCatalog.selectable().size());
    }

    @Test
    void theJudgeSelectsAmongFlaskOnlyAndRatesAJustEvalAspectWithItsLevels() {
        String selection = RubricPrompts.selection(ITEM, 3).get(1).content();
        assertTrue(selection.contains("- comprehension:"), selection);
        assertFalse(selection.contains("helpfulness") || selection.contains("- safety"), selection);
        assertInstanceOf(JudgeReplyParser.Invalid.class, JudgeReplyParser.selection("{\"aspects\": [\"helpfulness\"]}", 3));

        String rating = RubricPrompts.rating(ITEM, AspectCatalog.find("helpfulness").orElseThrow()).get(1).content();
        assertTrue(rating.contains("Rate the answer below on one aspect only: Helpfulness."), rating);
        assertTrue(rating.contains("3 = The answer fully addresses the request with relevant, useful content."), rating);
        assertEquals(List.of("helpfulness", "clarity", "factuality", "depth", "engagement"),
                JustEval.aspects(JustEval.Category.REGULAR));
    }
}
