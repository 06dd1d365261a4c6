package org.medlabel.api.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * An event on one of the {@link Topics}. The JSON form carries a {@code type} discriminator (the record's simple
 * name), the {@link EventMeta} under {@code meta}, then the payload fields. Use {@link EventCodec} to (de)serialise.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(ImageAdded.class),
    @JsonSubTypes.Type(ImageRemoved.class),
    @JsonSubTypes.Type(LabelSaved.class),
    @JsonSubTypes.Type(TrainRequested.class),
    @JsonSubTypes.Type(TrainProgress.class),
    @JsonSubTypes.Type(ModelPublished.class)
})
public sealed interface Event
        permits ImageAdded, ImageRemoved, LabelSaved, TrainRequested, TrainProgress, ModelPublished {

    EventMeta meta();

    /** The topic this event is published on. */
    @JsonIgnore
    String topic();

    /** The Kafka record key: events with the same key stay in order. */
    @JsonIgnore
    String key();
}
