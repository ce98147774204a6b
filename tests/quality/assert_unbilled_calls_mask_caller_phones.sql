{#
    A caller's phone is personal data: unbilled_calls shows only its last 4 digits. Each
    unbilled call is compared with its raw call: the mart's value must be as long as the raw
    number, all '*' but the raw number's last 4 characters (hidden whole at 4 or fewer), and
    null only where the raw number is. Written out here rather than through the masking
    macro, so a broken macro fails it. The failing rows name the call and what is wrong,
    never a number. Structural: only a code change can unmask a column.
#}

{{ config(tags=['structural']) }}

with

unbilled_calls as (

    select * from {{ ref('unbilled_calls') }}

),

calls as (

    select * from {{ ref('stg_invoca__calls') }}

),

compared as (

    select
        unbilled_calls.call_id,
        unbilled_calls.caller_phone as shown_phone,
        calls.caller_phone as raw_phone,
        case
            when length(calls.caller_phone) > 4 then right(calls.caller_phone, 4)
            else ''
        end as kept_characters
    from unbilled_calls
    left join calls
        on unbilled_calls.call_id = calls.call_id

),

final as (

    select
        call_id,
        case
            when raw_phone is null and shown_phone is not null
                then 'a phone is shown where the raw call has none'
            when raw_phone is not null and shown_phone is null
                then 'the phone is missing'
            when length(shown_phone) <> length(raw_phone)
                then 'the shown phone is not as long as the raw number'
            when replace(shown_phone, '*', '') <> kept_characters
                then 'more than the last 4 digits are shown'
        end as broken_rule
    from compared

)

select * from final
where broken_rule is not null
