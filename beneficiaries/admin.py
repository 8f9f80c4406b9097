from django.contrib import admin

from beneficiaries.models import Household, Person


class PersonInline(admin.TabularInline[Person, Household]):
    model = Person
    fields = ["name", "relation", "gender", "birth_date"]
    extra = 0
    show_change_link = True


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin[Household]):
    list_display = ["register_number", "address", "region", "updated_at"]
    list_filter = ["region__level"]
    search_fields = ["register_number", "address", "members__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ["name", "gender", "birth_date", "relation", "household", "region"]
    list_filter = ["gender", "relation"]
    search_fields = ["name", "household__register_number"]
    autocomplete_fields = ["household", "region"]
    list_select_related = ["household", "region"]
    date_hierarchy = "birth_date"
