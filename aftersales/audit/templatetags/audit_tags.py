from django import template

from aftersales.audit.labels import event_label

register = template.Library()


@register.filter(name="event_label")
def event_label_filter(kind: str) -> str:
    return event_label(kind)
