package org.medlabel.gateway.batch;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.medlabel.gateway.StubServices;
import org.medlabel.gateway.StubServices.Answer;

/**
 * Scoring's auto-update against stub services: a next sample, then a new model version seen in {@code /info/}, each
 * bring the epistemic scores up to date in the background, scoring only the unlabeled images whose score is missing
 * or from another version.
 */
@QuarkusTest
@WithTestResource(StubServices.class)
@TestProfile(AutoScoringTest.AutoUpdate.class)
class AutoScoringTest {

    public static class AutoUpdate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("medlabel.gateway.scoring.auto-update", "true");
        }
    }

    /** a: never scored; b: labeled; c: scored by version 2; d: scored by version 1. */
    private static final String VIEW = """
            {"objects":{
              "a":{"image":{"info":{}},"labels":{}},
              "b":{"image":{"info":{}},"labels":{"final":{}}},
              "c":{"image":{"info":{"epistemic_entropy":0.1,"epistemic_ts":2}},"labels":{}},
              "d":{"image":{"info":{"epistemic_entropy":0.3,"epistemic_ts":1}},"labels":{"original":{}}}},
             "next_offset":null,"next_after":null}""";

    private static String models(int version) {
        return """
                {"name":"App","description":"d","version":"1","models":{
                  "seg":{"type":"segmentation","labels":{"spleen":1},"dimension":3,"description":"s",
                         "config":{},"device":"cpu","version":%d},
                  "grow":{"type":"deepgrow","labels":["spleen"],"dimension":3,"description":"g",
                          "config":{},"device":"cpu","version":0}}}""".formatted(version);
    }

    @Test
    void aNextSampleAndThenANewVersionRescoreOnlyWhatIsOutdated() {
        StubServices.reset();
        StubServices.ROUTES.put("inference GET /models", r -> Answer.json(200, models(2)));
        StubServices.ROUTES.put("datastore GET /view", r -> Answer.json(200, VIEW));
        StubServices.ROUTES.put("datastore POST /strategies/epistemic/next", r -> Answer.json(200, "{\"id\":\"a\"}"));
        StubServices.ROUTES.put(
                "inference POST /scoring/seg/epistemic",
                r -> Answer.json(200, "{\"epistemic_entropy\":0.2,\"epistemic_ts\":2,\"samples\":5}"));
        for (String image : new String[] {"a", "c", "d"}) {
            StubServices.ROUTES.put("datastore PUT /images/" + image + "/info", r -> Answer.json(200, "{}"));
        }

        given().contentType("application/json")
                .body("{}")
                .post("/activelearning/epistemic")
                .then()
                .statusCode(200)
                .body("id", equalTo("a"));
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> scored().size() == 2);
        assertEquals(Set.of("a", "d"), scored(), "c is up to date, b is labeled");
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .untilAsserted(() -> given().get("/scoring/")
                        .then()
                        .body("status", equalTo("DONE"))
                        .body("request.auto", equalTo("next sample")));

        // training published version 3: the next /info/ sees it, and every unlabeled image is outdated
        StubServices.REQUESTS.clear();
        StubServices.ROUTES.put("inference GET /models", r -> Answer.json(200, models(3)));
        given().get("/info/").then().statusCode(200);
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> scored().size() == 3);
        assertEquals(Set.of("a", "c", "d"), scored());
        given().get("/scoring/").then().body("request.auto", equalTo("serving seg version 3"));
    }

    /** The images inference was asked to score since the last clear. */
    private static Set<String> scored() {
        return StubServices.REQUESTS.stream()
                .filter(r -> r.uri().startsWith("/scoring/seg/epistemic?image="))
                .map(r -> r.uri().replaceAll(".*image=([^&]*).*", "$1"))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
